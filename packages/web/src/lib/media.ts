import type { MediaSendOptions, OutboxMedia } from '@papo/client';
import { LIMITS, type MediaInfo, type MediaMessageType, type Message } from '@papo/protocol';
import type { Locale, MessageKey, Translate } from '../i18n';

/** What a bubble needs of a media, stored or on its way (an outbox entry's `media` has no id until uploaded). */
export type ShownMedia = {
  type: MediaMessageType;
  mime: string;
  size: number;
  media_id?: string | undefined;
  name?: string | undefined;
  width?: number | undefined;
  height?: number | undefined;
  duration_ms?: number | undefined;
  thumbnail?: string | undefined;
  /** An object URL of bytes on this device (an upload in progress). */
  local_url?: string | undefined;
};

/** The same media shown again is the same object: bubbles (memo) do not redraw for it. */
const shownOf = new WeakMap<object, ShownMedia>();

/** A stored message's media, as shown (none for text, system and deleted messages). */
export function messageMedia(message: Pick<Message, 'msg_type' | 'media' | 'deleted'>): ShownMedia | undefined {
  const { msg_type: type, media } = message;
  if (!media || message.deleted || type === 'text' || type === 'system') return undefined;
  let shown = shownOf.get(media);
  if (!shown) {
    shown = { ...media, type };
    shownOf.set(media, shown);
  }
  return shown;
}

/** An outbox entry's media, as shown: what the app knew of it, then what the server read. */
export function outboxMedia(media: OutboxMedia): ShownMedia {
  const known = shownOf.get(media);
  if (known && known.local_url === media.local_url) return known;
  const read: Partial<MediaInfo> = media.uploaded ?? {};
  const shown: ShownMedia = {
    type: media.type,
    mime: read.mime ?? media.mime,
    size: read.size ?? media.size,
    media_id: read.media_id,
    name: read.name ?? media.name,
    width: read.width ?? media.width,
    height: read.height ?? media.height,
    duration_ms: read.duration_ms ?? media.duration_ms,
    thumbnail: read.thumbnail,
    local_url: media.local_url,
  };
  shownOf.set(media, shown);
  return shown;
}

/** 1.4 MB, 820 KB, 12 bytes: decimal units, as file managers show sizes. */
export function humanSize(bytes: number, locale: Locale): string {
  const units = ['KB', 'MB', 'GB'];
  if (bytes < 1000) return `${bytes} B`;
  let value = bytes;
  let unit = '';
  for (const next of units) {
    value /= 1000;
    unit = next;
    if (value < 1000) break;
  }
  const digits = value < 10 ? 1 : 0;
  return `${value.toLocaleString(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${unit}`;
}

/** 0:07, 1:05, 1:02:03: a voice note's or video's length. */
export function clockDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** A file's extension for its card ("PDF"), at most 4 letters; '' when it has none. */
export function extensionOf(name: string | undefined): string {
  const match = /\.([A-Za-z0-9]{1,4})$/.exec(name ?? '');
  return match ? match[1]!.toUpperCase() : '';
}

/** A size that fits within a box, keeping the aspect ratio (no layout jump when the picture comes). */
export function fitWithin(
  width: number | undefined,
  height: number | undefined,
  maxWidth: number,
  maxHeight: number,
): { width: number; height: number } {
  if (!width || !height) return { width: maxWidth, height: Math.round(maxWidth * 0.75) };
  const scale = Math.min(1, maxWidth / width, maxHeight / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * How a picked file is sent: as a photo or video when the server takes its type as media and it is within
 * MAX_UPLOAD_BYTES (or `asDocument` was asked for), else as a file; null when it is too large even for that.
 */
export function sendTypeOf(file: Blob, asDocument: boolean): MediaMessageType | null {
  const type = file.type.split(';')[0]!.trim().toLowerCase();
  const media = type.startsWith('image/') ? 'image' : type.startsWith('video/') ? 'video' : undefined;
  const allowed = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'video/mp4', 'video/webm'];
  if (!asDocument && media && allowed.includes(type) && file.size <= LIMITS.uploadMaxBytes) return media;
  return file.size <= LIMITS.fileMaxBytes ? 'file' : null;
}

/**
 * A picture's size in pixels, read in the browser before it is sent (to draw its bubble at once). Videos are
 * measured by the server: the page's policy keeps media elements off `blob:` URLs.
 */
export async function measure(file: Blob, type: MediaMessageType): Promise<Partial<MediaSendOptions>> {
  if (type !== 'image') return {};
  const url = URL.createObjectURL(file);
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    return { width: image.naturalWidth, height: image.naturalHeight };
  } catch {
    return {};
  } finally {
    URL.revokeObjectURL(url);
  }
}

const PREVIEW_KEYS: Record<MediaMessageType, MessageKey> = {
  image: 'preview.image',
  video: 'preview.video',
  voice: 'preview.voice',
  audio: 'preview.audio',
  file: 'preview.file',
};

/**
 * A message on one line (the chat list, a quote, a notice): its text, or for a media message what it is
 * ("📷 Photo", "📄 report.pdf", "🎤 Voice message 0:07") with its caption in place of the word when it has one.
 */
export function previewOf(
  message: {
    msg_type?: string | undefined;
    body?: string | undefined;
    media?: { name?: string; duration_ms?: number };
  },
  t: Translate,
): string {
  const body = (message.body ?? '').replace(/\s+/g, ' ').trim();
  const type = message.msg_type as MediaMessageType | undefined;
  if (!type || !(type in PREVIEW_KEYS)) return body;
  const label = t(PREVIEW_KEYS[type], { name: message.media?.name || t('media.file') });
  const icon = label.split(' ')[0] ?? '';
  if (body && type !== 'file') return `${icon} ${body}`;
  if ((type === 'voice' || type === 'audio') && message.media?.duration_ms) {
    return `${label} ${clockDuration(message.media.duration_ms)}`;
  }
  return label;
}
