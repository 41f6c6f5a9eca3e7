import type { MessageState } from '@papo/client';
import { t } from '../i18n';
import { AlertIcon, CheckIcon, ClockIcon, DoubleCheckIcon } from './icons';

/** An own message's state: a clock while pending, ✓ sent, grey ✓✓ delivered, blue ✓✓ read, a red mark when refused. */
export function Ticks({ state, size = 16 }: { state: MessageState; size?: number }) {
  const label = t(`state.${state}`);
  return (
    <span className={`ticks ticks-${state}`} data-state={state}>
      {state === 'pending' ? <ClockIcon size={size - 2} label={label} /> : null}
      {state === 'sent' ? <CheckIcon size={size} label={label} /> : null}
      {state === 'delivered' || state === 'read' ? <DoubleCheckIcon size={size} label={label} /> : null}
      {state === 'failed' ? <AlertIcon size={size - 2} label={label} /> : null}
    </span>
  );
}
