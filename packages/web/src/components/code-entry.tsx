import { type FormEvent, type RefObject, useEffect, useRef, useState } from 'react';
import { t } from '../i18n';
import { type Address, parseAddress } from '../lib/address';
import { errorText } from '../lib/errors';
import { useStore } from '../state/react';

/**
 * Where a 6-digit code is typed, after "we sent a code to …"; a development server's answer carries the code
 * itself (`dev_code`, only with LOGIN_CODES_IN_RESPONSE=1), which is offered to fill in. Used by the login
 * screen and by "add a phone or e-mail".
 */
export function CodeEntry({
  to,
  devCode,
  code,
  onCode,
  inputRef,
}: {
  to: string;
  devCode: string | undefined;
  code: string;
  onCode: (code: string) => void;
  inputRef: RefObject<HTMLInputElement | null>;
}) {
  // It replaces the form whose "Send code" button had focus: without this, focus falls to the page.
  useEffect(() => inputRef.current?.focus(), [inputRef]);
  return (
    <>
      <p className="hint" role="status">
        {t('login.codeSentTo', { to })}
      </p>
      {devCode ? (
        <p className="dev-code">
          {t('login.devCode', { code: devCode })}{' '}
          <button type="button" className="link" onClick={() => onCode(devCode)}>
            {t('login.useDevCode')}
          </button>
        </p>
      ) : null}
      <label className="field">
        <span>{t('login.codeLabel')}</span>
        <input
          ref={inputRef}
          value={code}
          onChange={(e) => onCode(e.target.value.replace(/\D/g, '').slice(0, 6))}
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]{6}"
          required
          className="code-input"
        />
      </label>
    </>
  );
}

/**
 * The state of a code flow (a login, or adding a phone or e-mail): the address as typed, the address the code
 * went to, the dev code, the code typed, and the request itself. `run` is the form's submit runner (it shows
 * what fails), `fail` shows an address that cannot be parsed.
 */
export function useCodeFlow(
  ask: (address: Address) => Promise<{ dev_code?: string }>,
  run: (work: () => Promise<void>) => unknown,
  fail: (message: string) => void,
) {
  const [text, setText] = useState('');
  const [address, setAddress] = useState<Address | null>(null);
  const [devCode, setDevCode] = useState<string | undefined>(undefined);
  const [code, setCode] = useState('');
  const codeRef = useRef<HTMLInputElement>(null);
  const requestCode = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseAddress(text);
    if (!parsed) return fail(t('login.badAddress'));
    void run(async () => {
      const answer = await ask(parsed);
      setAddress(parsed);
      setDevCode(answer.dev_code);
    });
  };
  /** Back to typing an address (another one). */
  const reset = () => {
    setAddress(null);
    setCode('');
  };
  return { text, setText, address, devCode, code, setCode, codeRef, requestCode, reset };
}

/** A form's submit: busy while it runs, the error said in the user's language; a login starts the app. */
export function useSubmit() {
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
