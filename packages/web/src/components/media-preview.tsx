import { LIMITS } from '@papo/protocol';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { locale, t } from '../i18n';
import { humanSize, measure, sendTypeOf } from '../lib/media';
import { useModalDialog } from '../lib/modal-dialog';
import { useStore } from '../state/react';
import { CloseIcon, DocumentIcon, PlayIcon, SendIcon } from './icons';

export type Attachment = { files: File[]; asDocument: boolean };

/**
 * What is about to be sent (picked, pasted or dropped): a preview of each, a caption, Enter (or the button)
 * sends, Escape (or ×) cancels. Photos and videos go as such; anything else, or anything picked as a
 * document, as a file. A file too large for the server is said so here, before anything uploads.
 */
export function MediaPreview({
  chatId,
  attachment,
  onClose,
}: {
  chatId: string;
  attachment: Attachment;
  onClose: () => void;
}) {
  const store = useStore();
  const { files, asDocument } = attachment;
  const [selected, setSelected] = useState(0);
  const [caption, setCaption] = useState('');
  const [sending, setSending] = useState(false);
  const captionRef = useRef<HTMLInputElement>(null);
  const titleId = useId();
  const { dialogRef, onKeyDown } = useModalDialog(onClose, { placesFocus: true });
  const urls = useMemo(() => files.map((file) => URL.createObjectURL(file)), [files]);
  useEffect(
    () => () => {
      for (const url of urls) URL.revokeObjectURL(url);
    },
    [urls],
  );
  useEffect(() => {
    captionRef.current?.focus();
  }, []);

  const types = files.map((file) => sendTypeOf(file, asDocument));
  const tooLarge = files.filter((_, index) => types[index] === null);
  const file = files[selected] ?? files[0]!;
  const type = types[selected] ?? null;

  const send = async () => {
    if (sending || tooLarge.length > 0) return;
    setSending(true);
    const mode = store.messages.mode(chatId);
    const replyTo = mode?.kind === 'reply' ? mode.message.id : undefined;
    for (const [index, each] of files.entries()) {
      const sendType = types[index]!;
      const known = await measure(each, sendType);
      store.sendMedia(chatId, each, {
        type: sendType,
        ...known,
        ...(index === 0 && caption.trim() ? { caption: caption.trim() } : {}),
        ...(index === 0 && replyTo ? { replyTo } : {}),
      });
    }
    if (replyTo) store.messages.setMode(chatId, null);
    onClose();
  };

  return (
    <div className="dialog-backdrop media-preview-backdrop">
      <div
        ref={dialogRef}
        className="media-preview"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        onKeyDown={onKeyDown}
        data-testid="media-preview"
      >
        <header className="media-preview-bar">
          <button type="button" className="icon-button" onClick={onClose} aria-label={t('media.cancel')}>
            <CloseIcon />
          </button>
          <h2 id={titleId}>
            {files.length === 1 ? file.name || t('media.send') : t('media.sendMany', { count: files.length })}
          </h2>
        </header>
        <div className="media-preview-stage">
          {type === 'image' ? (
            <img src={urls[selected]} alt={file.name} />
          ) : (
            // A video is not played here: the page's policy keeps media elements off `blob:` URLs.
            <div className="media-preview-file">
              {type === 'video' ? <PlayIcon size={64} /> : <DocumentIcon size={64} />}
              <span className="file-name">{file.name}</span>
              <span className="file-facts">{humanSize(file.size, locale)}</span>
            </div>
          )}
        </div>
        {tooLarge.length > 0 ? (
          <p className="form-error" role="alert">
            {t('media.tooLarge', {
              name: tooLarge.map((each) => each.name).join(', '),
              max: humanSize(LIMITS.fileMaxBytes, locale),
            })}
          </p>
        ) : null}
        {files.length > 1 ? (
          <ul className="media-preview-strip" aria-label={t('media.selected')}>
            {files.map((each, index) => (
              <li key={urls[index]}>
                <button
                  type="button"
                  className={index === selected ? 'selected' : undefined}
                  aria-pressed={index === selected}
                  aria-label={each.name}
                  onClick={() => setSelected(index)}
                >
                  {types[index] === 'image' ? <img src={urls[index]} alt="" /> : <DocumentIcon size={28} />}
                </button>
              </li>
            ))}
          </ul>
        ) : null}
        <form
          className="media-preview-send"
          onSubmit={(event) => {
            event.preventDefault();
            void send();
          }}
        >
          <input
            ref={captionRef}
            className="media-caption"
            value={caption}
            maxLength={LIMITS.bodyMaxLength}
            onChange={(event) => setCaption(event.target.value)}
            placeholder={t('media.caption')}
            aria-label={t('media.caption')}
          />
          <button
            type="submit"
            className="send-button"
            aria-label={t('conv.send')}
            title={t('conv.send')}
            disabled={sending || tooLarge.length > 0}
          >
            <SendIcon />
          </button>
        </form>
      </div>
    </div>
  );
}
