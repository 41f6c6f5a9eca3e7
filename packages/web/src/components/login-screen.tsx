import { LIMITS } from '@papo/protocol';
import { type FormEvent, useId, useRef, useState } from 'react';
import { t } from '../i18n';
import { type Address, parseAddress } from '../lib/address';
import { errorText } from '../lib/errors';
import { useStore } from '../state/react';
import { CodeEntry } from './code-entry';
import { PapoLogo } from './icons';

type Tab = 'quick' | 'code';
const URL_PATTERN = '^https?://\\S+$';

/** The login screen: a quick temporary account, or a phone/e-mail with a one-time code. */
export function LoginScreen() {
  const store = useStore();
  const [tab, setTab] = useState<Tab>('quick');
  const tabsId = useId();
  const tabRefs = { quick: useRef<HTMLButtonElement>(null), code: useRef<HTMLButtonElement>(null) };

  const onTabKey = (event: React.KeyboardEvent) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    const next: Tab = tab === 'quick' ? 'code' : 'quick';
    setTab(next);
    tabRefs[next].current?.focus();
  };

  return (
    <div className="login-page">
      <header className="login-brand">
        <PapoLogo size={34} />
        <span>{t('appName')}</span>
      </header>
      <main className="login-card">
        <h1>{t('appName')}</h1>
        <p className="login-tagline">{t('login.tagline')}</p>
        {store.sessionExpired ? (
          <p className="notice" role="alert">
            {t('login.expired')}
          </p>
        ) : null}
        <div role="tablist" aria-label={t('login.tabs')} className="tabs" onKeyDown={onTabKey}>
          {(['quick', 'code'] as const).map((name) => (
            <button
              key={name}
              ref={tabRefs[name]}
              type="button"
              role="tab"
              id={`${tabsId}-${name}`}
              aria-selected={tab === name}
              aria-controls={`${tabsId}-${name}-panel`}
              tabIndex={tab === name ? 0 : -1}
              className="tab"
              onClick={() => setTab(name)}
            >
              {t(name === 'quick' ? 'login.quick' : 'login.code')}
            </button>
          ))}
        </div>
        <div role="tabpanel" id={`${tabsId}-${tab}-panel`} aria-labelledby={`${tabsId}-${tab}`}>
          {tab === 'quick' ? <QuickForm /> : <CodeForm />}
        </div>
        <p className="login-footer">{t('login.footer')}</p>
      </main>
    </div>
  );
}

function useSubmit() {
  const store = useStore();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (action: () => Promise<unknown>, loggedIn = true) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      if (loggedIn) store.start();
    } catch (err) {
      // On this screen a 401 is a wrong or expired code, not an ended session.
      setError(errorText(err, t, { unauthenticated: 'login.wrongCode' }));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

function QuickForm() {
  const store = useStore();
  const [name, setName] = useState('');
  const [avatar, setAvatar] = useState('');
  const { busy, error, run } = useSubmit();
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return;
    void run(() => store.client.loginTemporary(name.trim(), avatar.trim() || undefined));
  };
  return (
    <form className="form" onSubmit={onSubmit}>
      <label className="field">
        <span>{t('login.name')}</span>
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={LIMITS.usernameMaxLength}
          required
          autoComplete="nickname"
          // biome-ignore lint/a11y/noAutofocus: the login form's first field is what the user came to fill
          autoFocus
        />
      </label>
      <label className="field">
        <span>{t('login.avatar')}</span>
        <input
          type="url"
          value={avatar}
          onChange={(e) => setAvatar(e.target.value)}
          maxLength={LIMITS.avatarUrlMaxLength}
          pattern={URL_PATTERN}
          placeholder="https://"
          title={t('login.avatarHint')}
        />
      </label>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" className="primary" disabled={busy || !name.trim()}>
        {busy ? t('login.busy') : t('login.start')}
      </button>
    </form>
  );
}

function CodeForm() {
  const store = useStore();
  const [addressText, setAddressText] = useState('');
  const [address, setAddress] = useState<Address | null>(null);
  const [devCode, setDevCode] = useState<string | undefined>(undefined);
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const { busy, error, setError, run } = useSubmit();
  const codeRef = useRef<HTMLInputElement>(null);

  const requestCode = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseAddress(addressText);
    if (!parsed) {
      setError(t('login.badAddress'));
      return;
    }
    void run(async () => {
      const answer = await store.client.requestCode(parsed);
      setAddress(parsed);
      setDevCode(answer.dev_code);
      setTimeout(() => codeRef.current?.focus());
    }, false);
  };

  const verify = (event: FormEvent) => {
    event.preventDefault();
    if (!address) return;
    void run(() =>
      store.client.verifyCode({ ...address, code: code.trim(), ...(name.trim() ? { username: name.trim() } : {}) }),
    );
  };

  if (!address) {
    return (
      <form className="form" onSubmit={requestCode}>
        <label className="field">
          <span>{t('login.address')}</span>
          <input
            value={addressText}
            onChange={(e) => setAddressText(e.target.value)}
            required
            autoComplete="tel email"
            inputMode="email"
            // biome-ignore lint/a11y/noAutofocus: the form's only field
            autoFocus
          />
        </label>
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={busy || !addressText.trim()}>
          {busy ? t('login.busy') : t('login.sendCode')}
        </button>
      </form>
    );
  }

  const to = 'phone' in address ? address.phone : address.email;
  return (
    <form className="form" onSubmit={verify}>
      <CodeEntry to={to} devCode={devCode} code={code} onCode={setCode} inputRef={codeRef} />
      <label className="field">
        <span>{t('login.nameOptional')}</span>
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={LIMITS.usernameMaxLength}
          autoComplete="nickname"
        />
      </label>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" className="primary" disabled={busy || code.length !== 6}>
        {busy ? t('login.busy') : t('login.verify')}
      </button>
      <button
        type="button"
        className="link"
        onClick={() => {
          setAddress(null);
          setCode('');
          setError(null);
        }}
      >
        {t('login.otherAddress')}
      </button>
    </form>
  );
}
