import { LIMITS } from '@papo/protocol';
import { useId } from 'react';
import { t } from '../i18n';

const MAX = LIMITS.usernameMaxLength;
/** The count shows from this many characters before the limit, so a long name is not cut without a word. */
const WARN_WITHIN = 8;

/** A display name field that stops at the server's limit and says how near it is ("28/32"). */
export function NameField({
  label,
  value,
  onChange,
  required = false,
  autoFocus = false,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
  autoFocus?: boolean;
}) {
  const countId = useId();
  const near = value.length >= MAX - WARN_WITHIN;
  const full = value.length >= MAX;
  return (
    <div className="field">
      <label className="field-label">
        <span>{label}</span>
        <input
          value={value}
          onChange={(e) => onChange(e.target.value)}
          maxLength={MAX}
          required={required}
          autoComplete="nickname"
          aria-describedby={near ? countId : undefined}
          // biome-ignore lint/a11y/noAutofocus: the login form's first field is what the user came to fill
          autoFocus={autoFocus}
        />
      </label>
      {near ? (
        <span id={countId} className={full ? 'field-count full' : 'field-count'} aria-live="polite">
          {full ? t('login.nameFull', { max: MAX }) : t('login.nameCount', { count: value.length, max: MAX })}
        </span>
      ) : null}
    </div>
  );
}
