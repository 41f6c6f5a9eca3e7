import { useEffect, useState } from 'react';
import { locale, t } from '../i18n';
import { clockDuration, extensionOf, fitWithin, humanSize, type ShownMedia } from '../lib/media';
import { useStoreQuietly } from '../state/react';
import { CloseIcon, DocumentIcon, DownloadIcon } from './icons';
import { useMediaUrl } from './use-media-url';
import { VoicePlayer } from './voice-player';

/** A picture or video in a bubble is at most this wide and tall (px); narrower on a phone (CSS caps the width). */
const MAX_WIDTH = 330;
const MAX_HEIGHT = 360;

/** What a bubble shows of its media: a photo, a video, a voice note or audio, or a file's card. */
export function MediaContent({ media, onOpen }: { media: ShownMedia; onOpen?: (() => void) | undefined }) {
  if (media.type === 'image') return <ImageMedia media={media} onOpen={onOpen} />;
  if (media.type === 'video') return <VideoMedia media={media} />;
  if (media.type === 'voice' || media.type === 'audio') return <VoicePlayer media={media} />;
  return <FileCard media={media} />;
}

/** The box a picture or video takes, from its size: drawn at once, so nothing below moves when it comes. */
function boxStyle(media: ShownMedia): React.CSSProperties {
  const box = fitWithin(media.width, media.height, MAX_WIDTH, MAX_HEIGHT);
  return { width: box.width, aspectRatio: `${box.width} / ${box.height}` };
}

/** The tiny preview (blurred) at once, then the picture over it once loaded; a click opens the viewer. */
function ImageMedia({ media, onOpen }: { media: ShownMedia; onOpen?: (() => void) | undefined }) {
  const url = useMediaUrl(media);
  const [loaded, setLoaded] = useState<string | undefined>(undefined);
  const picture = (
    <>
      {/* Stays under the picture: it fades in over the preview, not over an empty box. */}
      {media.thumbnail ? <img className="media-blur" src={media.thumbnail} alt="" aria-hidden="true" /> : null}
      {url ? (
        <img
          className={loaded === url ? 'media-image loaded' : 'media-image'}
          src={url}
          alt={t('media.photo')}
          onLoad={() => setLoaded(url)}
          draggable={false}
        />
      ) : null}
    </>
  );
  if (!onOpen) {
    return (
      <div className="media-box" style={boxStyle(media)} data-testid="media-image">
        {picture}
      </div>
    );
  }
  return (
    <button
      type="button"
      className="media-box"
      style={boxStyle(media)}
      onClick={onOpen}
      aria-label={t('media.openPhoto')}
      data-testid="media-image"
    >
      {picture}
    </button>
  );
}

/** The poster (thumbnail) with the browser's own controls; the bytes load only when played. */
function VideoMedia({ media }: { media: ShownMedia }) {
  const url = useMediaUrl(media);
  const poster = useMediaUrl(media.thumbnail ? media : undefined, 'thumbnail');
  return (
    <div className="media-box media-video" style={boxStyle(media)} data-testid="media-video">
      {/* biome-ignore lint/a11y/useMediaCaption: a user's video comes with no captions to give */}
      <video
        src={url}
        poster={poster ?? media.thumbnail}
        controls
        preload="none"
        playsInline
        aria-label={t('media.video')}
      />
      {media.duration_ms ? <span className="media-duration">{clockDuration(media.duration_ms)}</span> : null}
    </div>
  );
}

/** A file: its type, name and size, and a link that downloads it. */
function FileCard({ media }: { media: ShownMedia }) {
  const url = useMediaUrl(media);
  const name = media.name || t('media.file');
  const extension = extensionOf(media.name);
  const facts = [extension, humanSize(media.size, locale)].filter(Boolean).join(' · ');
  return (
    <div className="file-card" data-testid="file-card">
      <span className="file-icon" aria-hidden="true">
        <DocumentIcon size={30} />
      </span>
      <span className="file-text">
        <span className="file-name">{name}</span>
        <span className="file-facts">{facts}</span>
      </span>
      {url ? (
        <a className="icon-button file-download" href={url} download={name} aria-label={t('media.download', { name })}>
          <DownloadIcon size={22} />
        </a>
      ) : null}
    </div>
  );
}

/** While the bytes upload: how far (a bar, and for screen readers a percentage) and a button that cancels it. */
export function UploadProgress({
  clientMsgId,
  sent,
  total,
  onCancel,
}: {
  clientMsgId: string;
  sent: number;
  total: number;
  onCancel: () => void;
}) {
  const store = useStoreQuietly();
  const [progress, setProgress] = useState(sent);
  useEffect(
    () =>
      store.client.on('upload_progress', (event) => {
        if (event.client_msg_id === clientMsgId) setProgress(event.sent);
      }),
    [store, clientMsgId],
  );
  const percent = total > 0 ? Math.min(100, Math.round((progress / total) * 100)) : 0;
  return (
    <div className="upload-progress" data-testid="upload-progress">
      <progress max={100} value={percent} aria-label={t('media.uploading', { percent })} />
      <button
        type="button"
        className="icon-button upload-cancel"
        aria-label={t('media.cancelUpload')}
        title={t('media.cancelUpload')}
        onClick={onCancel}
      >
        <CloseIcon size={18} />
      </button>
    </div>
  );
}
