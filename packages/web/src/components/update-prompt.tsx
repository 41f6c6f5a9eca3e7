import { useSyncExternalStore } from 'react';
import { t } from '../i18n';
import { applyUpdate, onUpdateWaiting, updateWaiting } from '../pwa/register';
import '../notifications.css';

/**
 * "New version available — Reload", once a new service worker (a new deploy) has installed. Not a dialog: the
 * user finishes what they are typing and reloads when they like (the next visit opens the new version anyway).
 */
export function UpdatePrompt() {
  const waiting = useSyncExternalStore(onUpdateWaiting, updateWaiting);
  return (
    <div className="update-slot" role="status" aria-live="polite">
      {waiting ? (
        <div className="update-prompt" data-testid="update-prompt">
          <span>{t('pwa.updateAvailable')}</span>
          <button type="button" className="link" onClick={applyUpdate}>
            {t('pwa.reload')}
          </button>
        </div>
      ) : null}
    </div>
  );
}
