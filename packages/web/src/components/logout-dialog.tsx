import { t } from '../i18n';
import { ModalDialog } from './modal-dialog';

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
  return (
    <ModalDialog title={t('logout.title')} text={t('logout.warning')} onCancel={onCancel} alert>
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
    </ModalDialog>
  );
}
