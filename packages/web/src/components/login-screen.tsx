import { LIMITS } from '@papo/protocol';
import { type FormEvent, useId, useRef, useState } from 'react';
import { t } from '../i18n';
import { addressText } from '../lib/address';
import { useStore } from '../state/react';
import { CodeEntry, useCodeFlow, useSubmit } from './code-entry';
import { FormError } from './form-error';
import { PapoLogo } from './icons';
import { NameField } from './name-field';

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
        {store.inviteCode ? <p className="notice">{t('login.invite')}</p> : null}
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
              aria-controls={tab === name ? `${tabsId}-${name}-panel` : undefined}
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
      <NameField label={t('login.name')} value={name} onChange={setName} required autoFocus />
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
      <FormError error={error} />
      <button type="submit" className="primary" disabled={busy || !name.trim()}>
        {busy ? t('login.busy') : t('login.start')}
      </button>
    </form>
  );
}

function CodeForm() {
  const store = useStore();
  const [name, setName] = useState('');
  const { busy, error, setError, run } = useSubmit();
  const flow = useCodeFlow(
    (address) => store.client.requestCode(address),
    (work) => run(work, false),
    setError,
  );
  const { address, code } = flow;

  const verify = (event: FormEvent) => {
    event.preventDefault();
    if (!address) return;
    void run(() =>
      store.client.verifyCode({ ...address, code: code.trim(), ...(name.trim() ? { username: name.trim() } : {}) }),
    );
  };

  if (!address) {
    return (
      <form className="form" onSubmit={flow.requestCode}>
        <label className="field">
          <span>{t('login.address')}</span>
          <input
            value={flow.text}
            onChange={(e) => flow.setText(e.target.value)}
            required
            autoComplete="email"
            inputMode="email"
            // biome-ignore lint/a11y/noAutofocus: the form's only field
            autoFocus
          />
        </label>
        <FormError error={error} />
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
      <NameField label={t('login.nameOptional')} value={name} onChange={setName} />
      <FormError error={error} />
      <button type="submit" className="primary" disabled={busy || code.length !== 6}>
        {busy ? t('login.busy') : t('login.verify')}
      </button>
      <button
        type="button"
        className="link"
        onClick={() => {
          flow.reset();
          setError(null);
        }}
      >
        {t('login.otherAddress')}
      </button>
    </form>
  );
}
