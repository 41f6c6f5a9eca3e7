import { useEffect, useRef, useState } from 'react';
import { t } from '../i18n';
import { useStore } from '../state/react';
import { OfflineIcon } from './icons';

/** Shown after this long without a connection, so a normal page load does not flash it. */
const GRACE_MS = 1500;

/** The yellow "offline, reconnecting" banner, announced politely to screen readers. */
export function ConnectionBanner() {
  const store = useStore();
  const online = store.state === 'online';
  const [late, setLate] = useState(false);
  // Once connected, any loss is "offline"; before that it is only "connecting" (one wording, not flickering).
  const wasOnline = useRef(false);
  if (online) wasOnline.current = true;
  useEffect(() => {
    if (online) {
      setLate(false);
      return;
    }
    const timer = setTimeout(() => setLate(true), GRACE_MS);
    return () => clearTimeout(timer);
  }, [online]);
  const show = !online && late;
  return (
    <div className="banner-slot" role="status" aria-live="polite">
      {show ? (
        <div className="banner" data-testid="connection-banner">
          <OfflineIcon size={20} />
          <div>
            <strong>{wasOnline.current ? t('banner.offline') : t('banner.connecting')}</strong>
            <span>{t('banner.hint')}</span>
          </div>
        </div>
      ) : null}
    </div>
  );
}
