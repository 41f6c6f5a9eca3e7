import { useState } from 'react';
import { t } from '../i18n';
import { errorText } from '../lib/errors';
import { useStore } from '../state/react';
import type { ChatItem } from '../state/store';
import { FormError } from './form-error';
import { PeoplePicker, type Picked } from './people-picker';

/**
 * "Add members" (admins and the owner): contacts not in the group yet, or anyone found by exact phone or
 * e-mail; the server leaves out whoever it cannot add (blocked the adder, too many chats), and says who it added.
 */
export function AddMembers({ chat, onDone }: { chat: ChatItem; onDone: () => void }) {
  const store = useStore();
  const [picked, setPicked] = useState<Picked[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const members = new Set(store.groups.info(chat.chat_id)?.members?.map((m) => m.user_id));

  const add = async () => {
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      const added = new Set(
        await store.groups.add(
          chat.chat_id,
          picked.map((p) => p.user_id),
        ),
      );
      const names = picked.filter((p) => added.has(p.user_id)).map((p) => p.username);
      const skipped = picked.length - names.length;
      setPicked([]);
      if (skipped === 0) {
        onDone();
        return;
      }
      setStatus(
        [names.length > 0 ? t('add.added', { names: names.join(', ') }) : '', t('add.skipped', { count: skipped })]
          .filter(Boolean)
          .join(' '),
      );
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="info-body info-picker">
      <div className="drawer-scroll">
        <PeoplePicker picked={picked} onChange={setPicked} exclude={members} />
      </div>
      {status ? (
        <p className="hint info-status" role="status">
          {status}
        </p>
      ) : null}
      <FormError error={error} />
      <div className="drawer-footer">
        <span className="hint" aria-live="polite">
          {picked.length > 0 ? t('group.selected', { count: picked.length }) : ''}
        </span>
        <button type="button" className="primary" disabled={busy || picked.length === 0} onClick={() => void add()}>
          {t('add.button')}
        </button>
      </div>
    </div>
  );
}
