import type { ChatMessage } from '@papo/client';
import { useId, useState } from 'react';
import { locale, t } from '../i18n';
import { messageMedia } from '../lib/media';
import { useModalDialog } from '../lib/modal-dialog';
import { clockTime, shortDate } from '../lib/time';
import { ChevronLeftIcon, ChevronRightIcon, CloseIcon, DownloadIcon } from './icons';
import { useMediaUrl } from './use-media-url';

/**
 * A chat's photos, full screen, from the one clicked: ← and → (the buttons or the keys) go to the previous and
 * next, Escape closes; focus stays inside (useModalDialog) and goes back to the photo's bubble after.
 */
export function MediaViewer({
  images,
  startId,
  nameOf,
  onClose,
}: {
  /** The chat's photo messages, oldest first. */
  images: ChatMessage[];
  startId: number;
  nameOf: (userId: string) => string;
  onClose: () => void;
}) {
  const [currentId, setCurrentId] = useState(startId);
  const { dialogRef, onKeyDown } = useModalDialog(onClose);
  const titleId = useId();
  const index = Math.max(
    0,
    images.findIndex((m) => m.id === currentId),
  );
  const message = images[index];
  const media = message ? messageMedia(message) : undefined;
  const url = useMediaUrl(media);
  const previous = images[index - 1];
  const next = images[index + 1];

  const onKeys = (event: React.KeyboardEvent) => {
    if (event.key === 'ArrowLeft' && previous) {
      event.preventDefault();
      setCurrentId(previous.id);
    } else if (event.key === 'ArrowRight' && next) {
      event.preventDefault();
      setCurrentId(next.id);
    } else onKeyDown(event);
  };

  if (!message || !media) return null;
  const when = `${shortDate(message.created_at, locale)} ${clockTime(message.created_at, locale)}`;
  const name = `photo-${message.id}.${media.mime.split('/')[1] ?? 'jpg'}`;
  return (
    <div
      ref={dialogRef}
      className="media-viewer"
      role="dialog"
      aria-modal="true"
      aria-labelledby={titleId}
      onKeyDown={onKeys}
      data-testid="media-viewer"
    >
      <header className="media-viewer-bar">
        <button type="button" className="icon-button" onClick={onClose} aria-label={t('media.close')}>
          <CloseIcon />
        </button>
        <div className="media-viewer-title">
          <h2 id={titleId}>{nameOf(message.sender_id)}</h2>
          <span>
            {when} · {t('media.count', { index: index + 1, count: images.length })}
          </span>
        </div>
        {url ? (
          <a className="icon-button" href={url} download={name} aria-label={t('media.downloadPhoto')}>
            <DownloadIcon />
          </a>
        ) : null}
      </header>
      <div className="media-viewer-stage">
        {images.length > 1 ? (
          <button
            type="button"
            className="icon-button media-viewer-nav"
            onClick={() => previous && setCurrentId(previous.id)}
            disabled={!previous}
            aria-label={t('media.previous')}
          >
            <ChevronLeftIcon size={32} />
          </button>
        ) : null}
        <figure>
          {url ? (
            <img key={url} src={url} alt={message.body || t('media.photo')} />
          ) : (
            <img src={media.thumbnail} alt="" className="media-blur-large" />
          )}
          {message.body ? <figcaption>{message.body}</figcaption> : null}
        </figure>
        {images.length > 1 ? (
          <button
            type="button"
            className="icon-button media-viewer-nav"
            onClick={() => next && setCurrentId(next.id)}
            disabled={!next}
            aria-label={t('media.next')}
          >
            <ChevronRightIcon size={32} />
          </button>
        ) : null}
      </div>
    </div>
  );
}
