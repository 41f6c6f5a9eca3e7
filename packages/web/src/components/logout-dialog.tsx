import { useId } from 'react';
import { t } from '../i18n';
import { useModalDialog } from '../lib/modal-dialog';

/**
 * Logging out of a temporary account loses it for good (nothing else can log in to it): the user is told,
 * and offered to add a phone or e-mail first. A modal alert dialog: focus starts on the safe choice, Escape
 * cancels, Tab stays inside.
 */
export function LogoutDialog({
  onCancel,
  onAddAddress,
  onLogout,
}: {
  onCancel: () => void;
  onAddAddress: () => void;
  onLogout: () => void;
}) {
  const titleId = useId();
  const textId = useId();
  const { dialogRef, onKeyDown } = useModalDialog(onCancel);

  return (
    <div className="dialog-backdrop">
      <div
        ref={dialogRef}
        className="dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={textId}
        onKeyDown={onKeyDown}
      >
        <h2 id={titleId}>{t('logout.title')}</h2>
        <p id={textId}>{t('logout.warning')}</p>
        <div className="dialog-actions">
          <button type="button" className="primary" onClick={onAddAddress}>
            {t('logout.addFirst')}
          </button>
          <button type="button" className="link danger" onClick={onLogout}>
            {t('logout.anyway')}
          </button>
          <button type="button" className="link" onClick={onCancel}>
            {t('logout.cancel')}
          </button>
        </div>
      </div>
    </div>
  );
}
