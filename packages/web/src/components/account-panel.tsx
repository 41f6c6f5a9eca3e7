import { LIMITS, type SessionInfo } from '@papo/protocol';
import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { locale, t } from '../i18n';
import { addressText } from '../lib/address';
import { errorText } from '../lib/errors';
import { listTime } from '../lib/time';
import { useNow, useStore } from '../state/react';
import { CodeEntry, useCodeFlow, useSubmit } from './code-entry';
import { DrawerHeader } from './drawer-header';
import { FormError } from './form-error';
import { NameField } from './name-field';
import { NotificationSettings } from './notification-settings';
import { ProfilePicture } from './picture-controls';

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
        {me ? <ProfileForm /> : null}
        {me?.temporary ? (
          <p className="notice">{t('account.temporary')}</p>
        ) : logins ? (
          <p className="hint" role="status">
            {t('account.loginWith', { address: logins })}
          </p>
        ) : null}
        {me?.temporary ? <LinkForm autoFocus={linkFirst} /> : null}

        {/* Here until the Settings screen takes it. */}
        <h3 className="drawer-section">{t('notifications.title')}</h3>
        <NotificationSettings />

        <h3 className="drawer-section">{t('account.devices')}</h3>
        <FormError error={error} />
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
  const { busy, error, setError, run } = useSubmit();
  const flow = useCodeFlow(
    (address) => store.client.requestLinkCode(address),
    (work) => run(work, false),
    setError,
  );
  const { address, code } = flow;
  const addressRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (autoFocus) addressRef.current?.focus();
  }, [autoFocus]);

  const verify = (event: FormEvent) => {
    event.preventDefault();
    if (!address) return;
    // The panel then says how the account logs in, and this form goes.
    void run(async () => store.setProfile(await store.client.verifyLinkCode({ ...address, code })), false);
  };

  const failure = <FormError error={error} />;
  if (!address) {
    return (
      <form className="form" onSubmit={flow.requestCode}>
        <label className="field">
          <span>{t('account.addAddress')}</span>
          <input
            ref={addressRef}
            value={flow.text}
            onChange={(e) => flow.setText(e.target.value)}
            required
            autoComplete="email"
            inputMode="email"
            placeholder={t('login.address')}
          />
        </label>
        {failure}
        <button type="submit" className="primary" disabled={busy || !flow.text.trim()}>
          {busy ? t('login.busy') : t('login.sendCode')}
        </button>
      </form>
    );
  }
  return (
    <form className="form" onSubmit={verify}>
      <CodeEntry
        to={addressText(address)}
        devCode={flow.devCode}
        code={code}
        onCode={flow.setCode}
        inputRef={flow.codeRef}
      />
      {failure}
      <button type="submit" className="primary" disabled={busy || code.length !== 6}>
        {busy ? t('login.busy') : t('account.addAddress')}
      </button>
      <button type="button" className="link" onClick={flow.reset}>
        {t('login.otherAddress')}
      </button>
    </form>
  );
}

/** The name and "about" line others see (PATCH /api/me); saved together, only what changed. */
function ProfileForm() {
  const store = useStore();
  const me = store.profile;
  const [name, setName] = useState(me?.username ?? '');
  const [about, setAbout] = useState(me?.about ?? '');
  const [saved, setSaved] = useState(false);
  const { busy, error, run } = useSubmit();
  const id = useId();
  if (!me) return null;
  const change = {
    ...(name.trim() !== me.username ? { username: name } : {}),
    ...(about.trim() !== me.about ? { about } : {}),
  };
  const changed = Object.keys(change).length > 0;

  const save = (event: FormEvent) => {
    event.preventDefault();
    if (!changed) return;
    setSaved(false);
    void run(async () => {
      store.setProfile(await store.client.updateProfile(change));
      setSaved(true);
    }, false);
  };

  return (
    <form className="form profile-form" onSubmit={save} aria-labelledby={`${id}-title`}>
      <h3 className="drawer-section" id={`${id}-title`}>
        {t('account.profile')}
      </h3>
      <ProfilePicture />
      <NameField label={t('login.name')} value={name} onChange={setName} required />
      <label className="field">
        <span>{t('account.about')}</span>
        <input
          value={about}
          onChange={(e) => setAbout(e.target.value)}
          maxLength={LIMITS.aboutMaxLength}
          aria-describedby={`${id}-about-hint`}
        />
      </label>
      <p className="hint" id={`${id}-about-hint`}>
        {t('account.aboutHint')}
      </p>
      <FormError error={error} />
      {saved && !changed ? (
        <p className="hint" role="status">
          {t('account.saved')}
        </p>
      ) : null}
      <button type="submit" className="primary" disabled={busy || !changed || !name.trim()}>
        {busy ? t('login.busy') : t('account.save')}
      </button>
    </form>
  );
}
