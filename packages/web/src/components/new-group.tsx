import { LIMITS } from '@papo/protocol';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { t } from '../i18n';
import { errorText } from '../lib/errors';
import { useStore } from '../state/react';
import { DrawerHeader } from './drawer-header';
import { FormError } from './form-error';
import { PeoplePicker, type Picked } from './people-picker';

/** The name's count shows from this many characters before the limit. */
const WARN_WITHIN = 10;

/**
 * "New group", as WhatsApp does it: first pick the members (contacts, or anyone found by exact phone or
 * e-mail), then the group's name and description, then create. The new group opens; its members see it at once.
 */
export function NewGroup({ onBack, onOpened }: { onBack: () => void; onOpened: (chatId: string) => void }) {
  const [step, setStep] = useState<'members' | 'details'>('members');
  const [picked, setPicked] = useState<Picked[]>([]);
  if (step === 'members') {
    return (
      <section className="drawer new-group" aria-label={t('group.pickTitle')}>
        <DrawerHeader title={t('group.pickTitle')} onBack={onBack} />
        <div className="drawer-scroll">
          <PeoplePicker picked={picked} onChange={setPicked} />
        </div>
        <div className="drawer-footer">
          <span className="hint" aria-live="polite">
            {picked.length > 0 ? t('group.selected', { count: picked.length }) : ''}
          </span>
          <button type="button" className="primary" onClick={() => setStep('details')}>
            {t('group.next')}
          </button>
        </div>
      </section>
    );
  }
  return <GroupDetails picked={picked} onBack={() => setStep('members')} onOpened={onOpened} />;
}

function GroupDetails({
  picked,
  onBack,
  onOpened,
}: {
  picked: Picked[];
  onBack: () => void;
  onOpened: (chatId: string) => void;
}) {
  const store = useStore();
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const titleRef = useRef<HTMLInputElement>(null);
  // The back arrow takes focus first (DrawerHeader); the name is what the user came to type.
  useEffect(() => {
    const timer = setTimeout(() => titleRef.current?.focus(), 0);
    return () => clearTimeout(timer);
  }, []);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    const name = title.trim();
    if (!name) return;
    setBusy(true);
    setError(null);
    try {
      onOpened(
        await store.groups.create(
          name,
          picked.map((p) => p.user_id),
          description.trim(),
        ),
      );
    } catch (err) {
      setError(errorText(err, t));
      setBusy(false);
    }
  };

  const max = LIMITS.chatTitleMaxLength;
  const near = title.length >= max - WARN_WITHIN;
  return (
    <section className="drawer new-group" aria-label={t('group.detailsTitle')}>
      <DrawerHeader title={t('group.detailsTitle')} onBack={onBack} />
      <form className="form drawer-body group-form" onSubmit={(e) => void create(e)}>
        <div className="field">
          <label className="field-label">
            <span>{t('group.name')}</span>
            <input
              ref={titleRef}
              value={title}
              onChange={(e) => setTitle(e.target.value)}
              maxLength={max}
              required
              aria-describedby={near ? `${id}-count` : undefined}
            />
          </label>
          {near ? (
            <span id={`${id}-count`} className="field-count" aria-live="polite">
              {t('group.count', { count: title.length, max })}
            </span>
          ) : null}
        </div>
        <label className="field">
          <span>{t('group.description')}</span>
          <textarea
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            maxLength={LIMITS.chatDescriptionMaxLength}
            rows={3}
          />
        </label>
        <p className="hint">
          {picked.length === 0 ? t('group.member') : t('group.members', { count: picked.length + 1 })}
          {picked.length > 0 ? `: ${picked.map((p) => p.username).join(', ')}` : ''}
        </p>
        <FormError error={error} />
        <button type="submit" className="primary" disabled={busy || !title.trim()}>
          {busy ? t('login.busy') : t('group.create')}
        </button>
      </form>
    </section>
  );
}
