import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { t } from '../i18n';
import { errorText } from '../lib/errors';
import { FormError } from './form-error';
import { EditIcon } from './icons';

/**
 * A group's title or description, edited in place by those allowed: a pencil button turns it into a field with
 * Save and Cancel (Enter saves a one-line field, Escape cancels); focus goes back to the pencil after.
 */
export function EditableText({
  value,
  label,
  editLabel,
  placeholder,
  editable,
  multiline = false,
  required = false,
  maxLength,
  className,
  onSave,
}: {
  value: string;
  /** The field's label while editing. */
  label: string;
  /** The pencil button's label. */
  editLabel: string;
  /** Shown (greyed) when the value is empty. */
  placeholder?: string;
  editable: boolean;
  multiline?: boolean;
  required?: boolean;
  maxLength: number;
  className?: string;
  onSave: (value: string) => Promise<void>;
}) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(value);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const fieldRef = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const pencilRef = useRef<HTMLButtonElement>(null);
  const refocus = useRef(false);
  const id = useId();

  useEffect(() => {
    if (editing) fieldRef.current?.focus();
    else if (refocus.current) {
      refocus.current = false;
      pencilRef.current?.focus();
    }
  }, [editing]);

  const stop = () => {
    refocus.current = true;
    setEditing(false);
    setError(null);
  };

  const save = async (event?: FormEvent) => {
    event?.preventDefault();
    const next = draft.trim();
    if (required && !next) return;
    if (next === value) {
      stop();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSave(next);
      stop();
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };

  if (!editing) {
    return (
      <div className={`editable ${className ?? ''}`}>
        <p className={value ? 'editable-value' : 'editable-value empty'}>{value || placeholder}</p>
        {editable ? (
          <button
            ref={pencilRef}
            type="button"
            className="icon-button"
            aria-label={editLabel}
            title={editLabel}
            onClick={() => {
              setDraft(value);
              setEditing(true);
            }}
          >
            <EditIcon size={20} />
          </button>
        ) : null}
      </div>
    );
  }

  const common = {
    ref: fieldRef,
    value: draft,
    maxLength,
    required,
    'aria-describedby': `${id}-count`,
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => setDraft(e.target.value),
    onKeyDown: (e: React.KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        stop();
      }
    },
  };
  return (
    <form className={`editable editing ${className ?? ''}`} onSubmit={(e) => void save(e)}>
      <div className="field">
        <label htmlFor={`${id}-field`}>{label}</label>
        {multiline ? <textarea id={`${id}-field`} rows={4} {...common} /> : <input id={`${id}-field`} {...common} />}
      </div>
      <span id={`${id}-count`} className="field-count">
        {t('group.count', { count: draft.length, max: maxLength })}
      </span>
      <FormError error={error} />
      <div className="editable-actions">
        <button type="button" className="link" onClick={stop}>
          {t('info.cancel')}
        </button>
        <button type="submit" className="primary small" disabled={busy || (required && !draft.trim())}>
          {t('info.save')}
        </button>
      </div>
    </form>
  );
}
