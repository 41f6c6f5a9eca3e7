import { useState } from 'react';
import { t } from '../i18n';
import { errorText } from '../lib/errors';
import { FormError } from './form-error';
import { ModalDialog } from './modal-dialog';

/**
 * "Leave the group?", "Remove Ana?", "Block Ana?": a modal alert dialog asking before something that cannot be
 * taken back with one click. Focus starts on Cancel (the safe choice), Tab stays inside, Escape cancels and
 * focus goes back where it was. A refusal from the server is said in the dialog, which stays open.
 */
export function ConfirmDialog({
  title,
  text,
  confirmLabel,
  onConfirm,
  onCancel,
}: {
  title: string;
  text: string;
  confirmLabel: string;
  /** Resolves when done (the dialog then closes through the caller); a rejection is shown. */
  onConfirm: () => Promise<void>;
  onCancel: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
    } catch (err) {
      setError(errorText(err, t));
      setBusy(false);
    }
  };

  return (
    <ModalDialog title={title} text={text} onCancel={onCancel} alert>
      <FormError error={error} />
      <div className="dialog-actions">
        <button type="button" className="link" onClick={onCancel}>
          {t('info.cancel')}
        </button>
        <button type="button" className="primary danger" disabled={busy} onClick={() => void confirm()}>
          {confirmLabel}
        </button>
      </div>
    </ModalDialog>
  );
}
