import { type Static, Type } from '@sinclair/typebox';
import { LIMITS } from './limits.js';

/**
 * Photos, videos, files and voice notes (contract section 12). Bytes never travel over the WebSocket: a client
 * uploads them (`POST /api/media`), then sends a message that names the upload's `media_id`.
 */

/** What a media message is, and what kind of upload each takes. */
export const MEDIA_MESSAGE_TYPES = ['image', 'video', 'audio', 'voice', 'file'] as const;
export type MediaMessageType = (typeof MEDIA_MESSAGE_TYPES)[number];
/** The media `msg_type`s as schema literals, for the unions that add `text` (and `system`) to them. */
export const MEDIA_MESSAGE_TYPE_LITERALS = MEDIA_MESSAGE_TYPES.map((type) => Type.Literal(type));

/**
 * An upload's kind, fixed when the server reads its bytes: `image`, `video` or `audio` for the types section 12
 * allows (an image is then re-encoded without its metadata), `file` for anything uploaded with `?name=`.
 * A message of type `image` takes an `image` upload, `video` a `video`, `audio` and `voice` an `audio`;
 * `file` takes any upload.
 */
export const MediaKind = Type.Union(
  [Type.Literal('image'), Type.Literal('video'), Type.Literal('audio'), Type.Literal('file')],
  { description: 'What the server found the bytes to be (`file`: uploaded with `?name=`, kept as they are).' },
);
export type MediaKind = Static<typeof MediaKind>;

/** Types section 12 allows as media (anything else is a `file`), as the server reads them from the bytes. */
export const MEDIA_MIME_TYPES = {
  image: ['image/jpeg', 'image/png', 'image/webp', 'image/gif'],
  video: ['video/mp4', 'video/webm'],
  audio: ['audio/ogg', 'audio/webm', 'audio/mp4', 'audio/mpeg'],
} as const;

export const MediaId = Type.String({
  minLength: 1,
  maxLength: LIMITS.idMaxLength,
  pattern: '^m_[A-Za-z0-9_-]+$',
  description: 'An upload’s id (`m_…`), from `POST /api/media`.',
});

/** A media message's `media`, and the upload's answer: what the server read from the bytes. */
export const MediaInfo = Type.Object(
  {
    media_id: MediaId,
    kind: MediaKind,
    mime: Type.String({ maxLength: 128, description: 'The type read from the bytes (never the one declared).' }),
    size: Type.Integer({ minimum: 0, description: 'Bytes, as stored (an image after it was re-encoded).' }),
    name: Type.Optional(
      Type.String({ maxLength: LIMITS.mediaNameMaxLength, description: 'A file’s name, as uploaded (`?name=`).' }),
    ),
    width: Type.Optional(Type.Integer({ minimum: 1, description: 'Pixels, as shown (after EXIF rotation).' })),
    height: Type.Optional(Type.Integer({ minimum: 1 })),
    duration_ms: Type.Optional(Type.Integer({ minimum: 0, description: 'Audio and video, where it can be read.' })),
    thumbnail: Type.Optional(
      Type.String({
        maxLength: LIMITS.mediaInlineThumbnailMaxLength,
        description:
          'A tiny preview to show while the picture loads (a `data:image/jpeg;base64,…` URL of at most 32 px a side, ' +
          'a few hundred bytes): images, and videos with a poster. `GET /api/media/:id/thumbnail` has a larger one.',
      }),
    ),
    url: Type.Optional(
      Type.String({
        description:
          'A signed link to the bytes (`/api/media/:id?u=&exp=&sig=`, valid 1 h, for the user it was made for): in the ' +
          'upload’s answer; for media in messages, `POST /api/media/links` (the SDK’s `mediaUrl(id)`, which batches ' +
          'and caches them). Never stored in a message: a link is one user’s, and runs out.',
      }),
    ),
  },
  { description: 'An upload, as the server read it (contract section 12).' },
);
export type MediaInfo = Static<typeof MediaInfo>;

export const MediaUploadQuery = Type.Object({
  name: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: LIMITS.mediaNameMaxLength,
      description: 'Upload as a file (any type, up to MAX_FILE_BYTES), under this name.',
    }),
  ),
});

export const MediaLinksBody = Type.Object({
  media_ids: Type.Array(MediaId, { minItems: 1, maxItems: LIMITS.mediaLinksMax, uniqueItems: true }),
});

export const MediaLinksAnswer = Type.Object({
  links: Type.Record(Type.String(), Type.String(), {
    description: 'media_id → a signed link, for each media the caller may get (the others are left out).',
  }),
  expires_at: Type.Integer({ minimum: 0, description: 'Unix seconds: the links stop working then.' }),
});
export type MediaLinksAnswer = Static<typeof MediaLinksAnswer>;

/**
 * Whether a picture URL is one of this server's media (`/api/media/<media id>`): only those go in a notification,
 * as a device fetches the picture when it shows one, and any other host would learn when the user was notified.
 */
export function isOwnMediaUrl(url: string | null | undefined): url is string {
  return typeof url === 'string' && /^\/api\/media\/m_[A-Za-z0-9_-]+$/.test(url);
}
