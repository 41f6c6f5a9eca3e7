import type { SessionInfo } from '@papo/protocol';
import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { locale, t } from '../i18n';
import { type Address, addressText, parseAddress } from '../lib/address';
import { errorText } from '../lib/errors';
import { listTime } from '../lib/time';
import { useNow, useStore } from '../state/react';
import { CodeEntry } from './code-entry';
import { DrawerHeader } from './drawer-header';

/**
 * "Account and devices": how the account logs in (and, for a temporary account, adding a phone or e-mail so
 * it lasts), and the sessions logged in, each of which can be logged out, or all but this one.
 */
export function AccountPanel({ onBack, linkFirst = false }: { onBack: () => void; linkFirst?: boolean }) {
  const store = useStore();
  const now = useNow();
  const me = store.profile;
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setSessions(await store.client.sessions());
    } catch (err) {
      setError(errorText(err, t));
    }
  }, [store]);
  useEffect(() => {
    void load();
  }, [load]);

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

  const others = (sessions ?? []).filter((s) => !s.current);
  const logins = [me?.phone, me?.email].filter(Boolean).join(', ');
  return (
    <section className="drawer account-panel" aria-label={t('account.title')}>
      <DrawerHeader title={t('account.title')} onBack={onBack} />
      <div className="drawer-body">
        {me?.temporary ? (
          <p className="notice">{t('account.temporary')}</p>
        ) : logins ? (
          <p className="hint" role="status">
            {t('account.loginWith', { address: logins })}
          </p>
        ) : null}
        {me?.temporary ? <LinkForm autoFocus={linkFirst} /> : null}

        <h3 className="drawer-section">{t('account.devices')}</h3>
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        {status ? (
          <p className="hint" role="status">
            {status}
          </p>
        ) : null}
        <ul className="session-list">
          {(sessions ?? []).map((session) => (
            <li key={session.session_id} className="session-row">
              <span className="person-main">
                <span className="chat-title">{session.device}</span>
                <span className="person-sub">
                  {session.current
                    ? t('account.thisDevice')
                    : t('account.lastActive', { when: listTime(session.last_used, now, locale, t) })}
                </span>
              </span>
              {session.current ? null : (
                <button
                  type="button"
                  className="link danger"
                  disabled={busy}
                  aria-label={t('account.logoutDevice', { device: session.device })}
                  onClick={() =>
                    void act(async () => {
                      await store.client.endSession(session.session_id);
                      return null;
                    })
                  }
                >
                  {t('sidebar.logout')}
                </button>
              )}
            </li>
          ))}
        </ul>
        {sessions && others.length === 0 ? <p className="list-empty">{t('account.noOthers')}</p> : null}
        {others.length > 0 ? (
          <button
            type="button"
            className="link danger"
            disabled={busy}
            onClick={() =>
              void act(async () => t('account.loggedOutOthers', { count: await store.client.endOtherSessions() }))
            }
          >
            {t('account.logoutOthers')}
          </button>
        ) : null}
      </div>
    </section>
  );
}

/** Adding a phone or e-mail: the code flow of the login screen, for the account already logged in. */
function LinkForm({ autoFocus }: { autoFocus: boolean }) {
  const store = useStore();
  const [text, setText] = useState('');
  const [address, setAddress] = useState<Address | null>(null);
  const [devCode, setDevCode] = useState<string | undefined>(undefined);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const codeRef = useRef<HTMLInputElement>(null);
  const addressRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (autoFocus) addressRef.current?.focus();
  }, [autoFocus]);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(errorText(err, t, { unauthenticated: 'login.wrongCode' }));
    } finally {
      setBusy(false);
    }
  };

  const request = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseAddress(text);
    if (!parsed) return setError(t('login.badAddress'));
    void run(async () => {
      const answer = await store.client.requestLinkCode(parsed);
      setAddress(parsed);
      setDevCode(answer.dev_code);
      setTimeout(() => codeRef.current?.focus());
    });
  };

  const verify = (event: FormEvent) => {
    event.preventDefault();
    if (!address) return;
    void run(async () => {
      // The panel then says how the account logs in, and this form goes.
      store.setProfile(await store.client.verifyLinkCode({ ...address, code }));
    });
  };

  const failure = error ? (
    <p className="form-error" role="alert">
      {error}
    </p>
  ) : null;
  if (!address) {
    return (
      <form className="form" onSubmit={request}>
        <label className="field">
          <span>{t('account.addAddress')}</span>
          <input
            ref={addressRef}
            value={text}
            onChange={(e) => setText(e.target.value)}
            required
            autoComplete="tel email"
            inputMode="email"
            placeholder={t('login.address')}
          />
        </label>
        {failure}
        <button type="submit" className="primary" disabled={busy || !text.trim()}>
          {busy ? t('login.busy') : t('login.sendCode')}
        </button>
      </form>
    );
  }
  return (
    <form className="form" onSubmit={verify}>
      <CodeEntry to={addressText(address)} devCode={devCode} code={code} onCode={setCode} inputRef={codeRef} />
      {failure}
      <button type="submit" className="primary" disabled={busy || code.length !== 6}>
        {busy ? t('login.busy') : t('account.addAddress')}
      </button>
      <button type="button" className="link" onClick={() => setAddress(null)}>
        {t('login.otherAddress')}
      </button>
    </form>
  );
}
