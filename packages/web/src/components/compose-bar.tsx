import { t } from '../i18n';
import { previewOf } from '../lib/media';
import type { ComposeMode } from '../state/message-actions';
import { CloseIcon } from './icons';

/**
 * Above the message box while replying ("Replying to Ana" and the quoted text) or editing ("Editing" and the
 * text as it was); × (or Escape in the box) cancels.
 */
export function ComposeBar({
  mode,
  name,
  error,
  onCancel,
}: {
  mode: ComposeMode;
  /** The quoted message's sender ("You" for the user). */
  name: string;
  error: string | null;
  onCancel: () => void;
}) {
  const reply = mode.kind === 'reply';
  const label = reply ? t('compose.cancelReply') : t('compose.cancelEdit');
  return (
    <div className="compose-bar" data-testid="compose-bar">
      <div className="compose-bar-quote">
        <span className="compose-bar-title">{reply ? t('compose.replyingTo', { name }) : t('compose.editing')}</span>
        <span className="compose-bar-text">{previewOf(mode.message, t)}</span>
        {error ? (
          <span className="form-error" role="alert">
            {error}
          </span>
        ) : null}
      </div>
      <button type="button" className="icon-button" aria-label={label} title={label} onClick={onCancel}>
        <CloseIcon size={20} />
      </button>
    </div>
  );
}
