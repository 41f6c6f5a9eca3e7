import { PapoError } from '@papo/client';
import type { InvitePreview } from '@papo/protocol';
import { useEffect, useId, useState } from 'react';
import { t } from '../i18n';
import { errorText } from '../lib/errors';
import { useModalDialog } from '../lib/modal-dialog';
import { useStore } from '../state/react';
import { Avatar } from './avatar';
import { FormError } from './form-error';

type Loaded = { preview: InvitePreview } | { invalid: true } | { error: string };

/**
 * The card an invite link (#/invite/CODE) opens, once logged in: the group's title, description and member
 * count with a Join button (Open when already in it), or "no longer valid" for an expired, revoked or used-up
 * code. A modal dialog: focus starts on it, Tab stays inside, Escape closes. Joining opens the group.
 */
export function InviteCard({ code }: { code: string }) {
  const store = useStore();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const titleId = useId();
  const close = () => store.setInvite(null);
  // Focus is placed below, once the card has loaded.
  const { dialogRef, onKeyDown } = useModalDialog(close, { placesFocus: true });

  useEffect(() => {
    let alive = true;
    setLoaded(null);
    store.client.invitePreview(code).then(
      (preview) => alive && setLoaded({ preview }),
      (err: unknown) => {
        if (!alive) return;
        if (err instanceof PapoError && err.code === 'not_found') setLoaded({ invalid: true });
        else setLoaded({ error: errorText(err, t) });
      },
    );
    return () => {
      alive = false;
    };
  }, [store, code]);

  // Focus goes to the first button once there is one (while loading, to the dialog itself).
  useEffect(() => {
    const dialog = dialogRef.current;
    const button = loaded ? dialog?.querySelector<HTMLButtonElement>('.dialog-actions .primary') : null;
    (button ?? dialog)?.focus();
  }, [loaded, dialogRef]);

  const preview = loaded && 'preview' in loaded ? loaded.preview : undefined;
  const member = preview ? store.chat(preview.chat_id) : undefined;
  const already = member !== undefined && !member.gone;

  const join = async () => {
    if (!preview) return;
    if (already) {
      store.setInvite(null);
      store.setOpenChat(preview.chat_id);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const chatId = await store.groups.join(code);
      store.setInvite(null);
      store.setOpenChat(chatId);
    } catch (err) {
      // Used up or revoked between the preview and the click: say so as the card would.
      if (err instanceof PapoError && err.code === 'not_found') setLoaded({ invalid: true });
      else setError(errorText(err, t));
      setBusy(false);
    }
  };

  let body: React.ReactNode;
  if (!loaded) {
    body = (
      <p className="invite-loading" role="status">
        {t('inviteCard.loading')}
      </p>
    );
  } else if ('invalid' in loaded || 'error' in loaded) {
    const invalid = 'invalid' in loaded;
    body = (
      <>
        <h2 id={titleId}>{invalid ? t('inviteCard.invalid') : t('inviteCard.title')}</h2>
        <p>{invalid ? t('inviteCard.invalidText') : loaded.error}</p>
        <div className="dialog-actions">
          <button type="button" className="primary" onClick={close}>
            {t('inviteCard.close')}
          </button>
        </div>
      </>
    );
  } else {
    const { preview: group } = loaded;
    body = (
      <>
        <div className="invite-top">
          <Avatar id={group.chat_id} name={group.title} url={group.avatar_url ?? undefined} size={96} group />
          <p className="invite-kind">{t('inviteCard.title')}</p>
          <h2 id={titleId}>{group.title}</h2>
          <p className="person-sub">
            {group.member_count === 1 ? t('group.member') : t('group.members', { count: group.member_count })}
          </p>
        </div>
        {group.description ? <p className="invite-description">{group.description}</p> : null}
        {already ? <p className="hint">{t('inviteCard.already')}</p> : null}
        <FormError error={error} />
        <div className="dialog-actions">
          <button type="button" className="link" onClick={close}>
            {t('inviteCard.cancel')}
          </button>
          <button type="button" className="primary" disabled={busy} onClick={() => void join()}>
            {already ? t('inviteCard.open') : t('inviteCard.join')}
          </button>
        </div>
      </>
    );
  }

  return (
    <div className="dialog-backdrop">
      <div
        ref={dialogRef}
        className="dialog invite-card"
        role="dialog"
        aria-modal="true"
        aria-labelledby={loaded ? titleId : undefined}
        aria-label={loaded ? undefined : t('inviteCard.title')}
        aria-busy={loaded ? undefined : true}
        tabIndex={-1}
        onKeyDown={onKeyDown}
        data-testid="invite-card"
      >
        {body}
      </div>
    </div>
  );
}
