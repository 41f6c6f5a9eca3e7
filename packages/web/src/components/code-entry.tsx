import type { RefObject } from 'react';
import { t } from '../i18n';

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
