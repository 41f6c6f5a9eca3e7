import type { InviteInfo } from '@papo/protocol';
import { LIMITS } from '@papo/protocol';
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { locale, t } from '../i18n';
import { errorText } from '../lib/errors';
import { clockTime, shortDate } from '../lib/time';
import { useStore } from '../state/react';
import type { ChatItem } from '../state/store';
import { FormError } from './form-error';

const DAY = 86_400;
const EXPIRIES = [
  { seconds: DAY, key: 'invite.day1' },
  { seconds: 7 * DAY, key: 'invite.day7' },
  { seconds: 30 * DAY, key: 'invite.day30' },
] as const;

/** The web client's address of an invite: it opens the invite card. */
export function inviteLink(code: string): string {
  return `${window.location.origin}/#/invite/${code}`;
}

/**
 * "Invite via link" (admins and the owner): make a link that expires after 1, 7 or 30 days, with an optional
 * number of uses; the live links with their uses and who joined through each; copy or revoke one.
 */
export function GroupInvites({ chat }: { chat: ChatItem }) {
  const store = useStore();
  const [invites, setInvites] = useState<InviteInfo[] | null>(null);
  const [expiry, setExpiry] = useState<number>(7 * DAY);
  const [maxUses, setMaxUses] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const id = useId();

  const load = useCallback(async () => {
    try {
      setInvites(await store.client.invites(chat.chat_id));
    } catch (err) {
      setError(errorText(err, t));
    }
  }, [store, chat.chat_id]);
  useEffect(() => {
    void load();
    // Someone joining through a link changes its uses: the members' events say when.
    return store.client.on('chat_member_added', (event) => {
      if (event.chat_id === chat.chat_id) void load();
    });
  }, [store, chat.chat_id, load]);

  const act = async (work: () => Promise<string | null>) => {
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      setStatus(await work());
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(false);
      void load();
    }
  };

  const create = (event: FormEvent) => {
    event.preventDefault();
    const uses = Number.parseInt(maxUses, 10);
    void act(async () => {
      await store.client.createInvite(chat.chat_id, {
        expires_in_s: expiry,
        ...(uses > 0 ? { max_uses: uses } : {}),
      });
      setMaxUses('');
      return null;
    });
  };

  const copy = (code: string, field: HTMLInputElement | null | undefined) =>
    void act(async () => {
      // The Clipboard API exists only on https (and localhost): elsewhere, the selected field's text is copied.
      if (navigator.clipboard) await navigator.clipboard.writeText(inviteLink(code));
      else {
        field?.select();
        if (!document.execCommand('copy')) throw new Error(t('invite.copyFailed'));
      }
      return t('invite.copied');
    });

  const nameOf = (userId: string) => store.people.get(userId)?.username || t('user.unknown');
  return (
    <div className="info-body">
      <section className="info-card">
        <p className="hint">{t('invite.intro')}</p>
        <form className="form invite-form" onSubmit={create}>
          <label className="field">
            <span>{t('invite.expiry')}</span>
            <select value={expiry} onChange={(e) => setExpiry(Number(e.target.value))}>
              {EXPIRIES.map((option) => (
                <option key={option.seconds} value={option.seconds}>
                  {t(option.key)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('invite.maxUses')}</span>
            <input
              type="number"
              inputMode="numeric"
              min={1}
              max={LIMITS.inviteMaxUses}
              value={maxUses}
              onChange={(e) => setMaxUses(e.target.value)}
            />
          </label>
          <button type="submit" className="primary" disabled={busy}>
            {t('invite.create')}
          </button>
        </form>
        <FormError error={error} />
        {status ? (
          <p className="hint info-status" role="status">
            {status}
          </p>
        ) : null}
      </section>

      <section className="info-card" aria-labelledby={`${id}-live`}>
        <h3 className="info-section" id={`${id}-live`}>
          {t('invite.live')}
        </h3>
        {invites && invites.length === 0 ? <p className="person-sub">{t('invite.none')}</p> : null}
        <ul className="invite-list">
          {(invites ?? []).map((invite) => {
            const when = `${shortDate(invite.expires_at, locale)} ${clockTime(invite.expires_at, locale)}`;
            return (
              <li key={invite.code} className="invite-row" data-code={invite.code}>
                <label className="field">
                  <span className="sr-only">{t('invite.link')}</span>
                  <input
                    className="invite-link"
                    readOnly
                    value={inviteLink(invite.code)}
                    onFocus={(e) => e.target.select()}
                  />
                </label>
                <p className="person-sub">
                  {t('invite.expires', { when })} ·{' '}
                  {invite.max_uses === null
                    ? t('invite.uses', { uses: invite.uses })
                    : t('invite.usesOf', { uses: invite.uses, max: invite.max_uses })}
                </p>
                {invite.joined.length > 0 ? (
                  <p className="person-sub invite-joined">
                    {t('invite.joined', { names: invite.joined.map(nameOf).join(', ') })}
                  </p>
                ) : null}
                <div className="invite-actions">
                  <button
                    type="button"
                    className="secondary small"
                    disabled={busy}
                    onClick={(e) =>
                      copy(invite.code, e.currentTarget.closest('li')?.querySelector<HTMLInputElement>('.invite-link'))
                    }
                  >
                    {t('invite.copy')}
                  </button>
                  <button
                    type="button"
                    className="link danger"
                    disabled={busy}
                    onClick={() =>
                      void act(async () => {
                        await store.client.revokeInvite(chat.chat_id, invite.code);
                        return t('invite.revoked');
                      })
                    }
                  >
                    {t('invite.revoke')}
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      </section>
    </div>
  );
}
