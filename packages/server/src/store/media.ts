import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { LIMITS, type MediaInfo, type MediaKind, TIMINGS } from '@papo/protocol';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MediaStorage } from '../media/storage.js';
import { metrics } from '../metrics.js';
import { countHit, okOrThrow, readAll, type StoreContext } from './store.js';

/** The fields of `media:{media_id}` (contract section 14), as stored. */
export type MediaRecord = {
  uploader: string;
  kind: MediaKind;
  mime: string;
  size: string;
  name?: string;
  width?: string;
  height?: string;
  duration_ms?: string;
  /** `media.thumbnail`, the inline preview. */
  inline?: string;
  /** '1' when a thumbnail object (`<id>.thumb`) was stored. */
  thumb?: string;
  created_at: string;
  /** The driver that holds the bytes (`local`, `s3`). */
  store: string;
  /** Unix seconds of the last claim (a send, a forward, a picture). */
  sent_at?: string;
  /** A profile or group picture: `user:<id>` or `chat:<id>`; such media is served to anyone. */
  avatar_of?: string;
};

/** A new upload's id: 128 random bits. */
export const newMediaId = () => `m_${randomBytes(16).toString('base64url')}`;
/** The storage key of an upload's thumbnail. */
export const thumbnailKey = (mediaId: string) => `${mediaId}.thumb`;

/** A claim's answer (media-claim.lua), in the order the script gives it. */
const CLAIMED_FIELDS = ['kind', 'mime', 'size', 'name', 'width', 'height', 'duration_ms', 'inline'] as const;

/** A message's `media` (or an upload's answer, without `url`) from the stored fields. */
export function mediaInfo(
  mediaId: string,
  m: Partial<Record<(typeof CLAIMED_FIELDS)[number], string | null>>,
): MediaInfo {
  const info: MediaInfo = { media_id: mediaId, kind: m.kind as MediaKind, mime: m.mime ?? '', size: Number(m.size) };
  if (m.name) info.name = m.name;
  if (m.width) info.width = Number(m.width);
  if (m.height) info.height = Number(m.height);
  if (m.duration_ms) info.duration_ms = Number(m.duration_ms);
  if (m.inline) info.thumbnail = m.inline;
  return info;
}

/** Media in use is looked at again this often (the safety net under a release lost to a crash). */
const RECHECK_SECONDS = 7 * 24 * 3600;
/** Uploads one sweep looks at, at most. */
const SWEEP_BATCH = 200;

/**
 * Media in Redis (contract sections 12 and 14): `media:{id}` and the chats it went to, the claim a send makes,
 * who may get the bytes, signed links, and the sweep that deletes what nothing refers to any more.
 *
 * Reference counting lives with the messages: each chat counts its kept messages per media id
 * (chat:{id}:media, changed by the same scripts that store, delete and trim messages; lib.lua). A media is
 * deleted once no chat it went to counts it (and it is no one's picture), or 24 h after its upload when it was
 * never sent. Which chats to ask is in media:{id}:chats; when to ask is media:check (at the send window's end
 * for a new upload, at once when a script released it, and weekly while in use, in case a release was lost).
 */
export function createMediaStore(context: StoreContext, storage: MediaStorage, log: Logger) {
  const { redis, run, keys, config } = context;
  const graceMs = config.mediaClaimGraceSeconds * 1000;
  let linkSecret: Buffer | undefined;

  async function secret(): Promise<Buffer> {
    if (linkSecret) return linkSecret;
    if (config.mediaLinkSecret) {
      linkSecret = Buffer.from(config.mediaLinkSecret);
      return linkSecret;
    }
    // Made once by whichever worker asks first; every instance then signs alike.
    await redis.set(keys.mediaLinkSecret, randomBytes(32).toString('base64url'), 'NX');
    const stored = await redis.get(keys.mediaLinkSecret);
    if (!stored) throw new AppError('internal', 'The media link key is missing.');
    linkSecret = Buffer.from(stored);
    return linkSecret;
  }

  function signature(key: Buffer, mediaId: string, userId: string, exp: number): string {
    return createHmac('sha256', key).update(`${mediaId}\n${userId}\n${exp}`).digest('base64url').slice(0, 32);
  }

  async function read(mediaId: string): Promise<{ record?: MediaRecord; chats: string[] }> {
    const [record, chats] = await readAll(redis, [
      ['hgetall', keys.media(mediaId)],
      ['smembers', keys.mediaChats(mediaId)],
    ]);
    const fields = record as Record<string, string>;
    return { record: fields.uploader ? (fields as MediaRecord) : undefined, chats: chats as string[] };
  }

  /** How many kept messages of each chat carry the media (0: none, or the chat is gone). */
  async function referencesIn(mediaId: string, chats: string[]): Promise<number[]> {
    const counts = await readAll(
      redis,
      chats.map((chatId) => ['hget', keys.chatMedia(chatId), mediaId]),
    );
    return counts.map((count) => Number(count ?? 0));
  }

  /** Whether a picture is still its owner's (the user's or chat's hash names it). */
  async function stillAvatar(mediaId: string, owner: string): Promise<boolean> {
    const [kind, id] = owner.split(/:(.*)/s) as [string, string];
    const key = kind === 'user' ? keys.user(id) : keys.chat(id);
    return (await redis.hget(key, 'avatar_media_id')) === mediaId;
  }

  const store = {
    /** One more upload by `me`, counted against MEDIA_UPLOADS_PER_HOUR (rate_limited past it). */
    countUpload(me: string): Promise<void> {
      return countHit(run, keys.rateMedia(me), config.mediaUploadsPerHour, 3600, 'uploads');
    },

    /**
     * Before any byte is stored: the upload is put on media:check for the end of its send window, so bytes whose
     * record never got written (a crash mid-upload) are deleted too.
     */
    async reserve(mediaId: string): Promise<void> {
      const at = Date.now() + TIMINGS.mediaSendWindowSeconds * 1000 + graceMs;
      await redis.zadd(keys.mediaCheck, at, mediaId);
    },

    /** The upload's record, once its bytes are stored. */
    async record(mediaId: string, record: MediaRecord): Promise<void> {
      const fields = Object.entries(record).filter(([, value]) => value !== undefined && value !== '');
      await redis.hset(keys.media(mediaId), Object.fromEntries(fields));
    },

    /**
     * Claims an upload for a message to `chatId` (media-claim.lua): the sender's own, within the send window, or
     * (`forward`) any the caller read in a message. Resolves with the message's `media`.
     */
    async claim(me: string, mediaId: string, chatId: string, mode: 'send' | 'forward'): Promise<MediaInfo> {
      const reply = okOrThrow(
        await run(
          'media-claim',
          [keys.media(mediaId), keys.mediaChats(mediaId)],
          [me, chatId, mode, TIMINGS.mediaSendWindowSeconds, LIMITS.mediaChatsMax, ''],
        ),
      );
      return mediaInfo(mediaId, Object.fromEntries(CLAIMED_FIELDS.map((field, i) => [field, reply[i] as string])));
    },

    /** Makes the caller's image upload the picture of `owner` (`user:<id>` or `chat:<id>`). */
    async claimAvatar(me: string, mediaId: string, owner: string): Promise<void> {
      okOrThrow(
        await run(
          'media-claim',
          [keys.media(mediaId), keys.mediaChats(mediaId)],
          [me, '', 'avatar', TIMINGS.mediaSendWindowSeconds, LIMITS.mediaChatsMax, owner],
        ),
      );
    },

    /**
     * Reads of media count against the user's read budget (READ_PAGES_PER_WINDOW), as history pages do: a
     * download reads a few keys per chat the media went to, a link request that for each of its media.
     */
    countReads(userId: string, amount = 1): Promise<void> {
      return countHit(
        run,
        keys.rateReads(userId),
        config.readPagesPerWindow,
        config.readWindowSeconds,
        'reads',
        amount,
      );
    },

    /** A picture replaced or removed: looked at now (deleted unless something else still uses it). */
    async released(mediaId: string): Promise<void> {
      await redis.zadd(keys.mediaCheck, Date.now(), mediaId);
    },

    /**
     * The record of an upload `userId` may get: its uploader, a member of a chat that keeps a message with it,
     * or anyone for a picture (`userId` undefined: a picture only). Everyone else: undefined (a 404).
     */
    async readable(userId: string | undefined, mediaId: string): Promise<MediaRecord | undefined> {
      const { record, chats } = await read(mediaId);
      if (!record) return undefined;
      if (record.uploader === userId) return record;
      // A picture is anyone's to see while it is one (a claim the chat or profile then refused makes none).
      if (record.avatar_of && (await stillAvatar(mediaId, record.avatar_of))) return record;
      if (userId === undefined || chats.length === 0) return undefined;
      const replies = await readAll(
        redis,
        chats.flatMap((chatId) => [
          ['sismember', keys.members(chatId), userId],
          ['hget', keys.chatMedia(chatId), mediaId],
        ]),
      );
      for (let i = 0; i < chats.length; i++) {
        if (replies[2 * i] === 1 && Number(replies[2 * i + 1] ?? 0) > 0) return record;
      }
      return undefined;
    },

    /**
     * A signed link for `userId` (`?u=&exp=&sig=`): it works without a Bearer until `exp`, and only while that
     * user may get the media. `exp` is rounded up to 10 minutes, so a page's links stay the same URLs (and the
     * browser's cache holds) for a while.
     */
    async link(userId: string, mediaId: string, now = Date.now()): Promise<{ url: string; exp: number }> {
      const exp = Math.ceil((now / 1000 + TIMINGS.mediaLinkTtlSeconds) / 600) * 600;
      const sig = signature(await secret(), mediaId, userId, exp);
      return { url: `/api/media/${mediaId}?u=${encodeURIComponent(userId)}&exp=${exp}&sig=${sig}`, exp };
    },

    /** The user a signed link was made for, if it is genuine and not expired. */
    async linkUser(mediaId: string, query: { u?: string; exp?: string; sig?: string }): Promise<string | undefined> {
      const exp = Number(query.exp);
      if (!query.u || !query.sig || !Number.isInteger(exp) || exp * 1000 < Date.now()) return undefined;
      // A link lasts an hour (10 minutes of rounding aside): a far `exp` is not one of ours.
      if (exp * 1000 > Date.now() + (TIMINGS.mediaLinkTtlSeconds + 600) * 1000) return undefined;
      const expected = Buffer.from(signature(await secret(), mediaId, query.u, exp));
      const given = Buffer.from(query.sig);
      return given.length === expected.length && timingSafeEqual(given, expected) ? query.u : undefined;
    },

    /**
     * One sweep: the uploads due on media:check, each deleted (record, then bytes) when nothing refers to it
     * any more, else put off. One worker at a time (a lock); returns how many were deleted.
     */
    async sweep(): Promise<number> {
      const lock = randomBytes(8).toString('hex');
      const locked = await redis.set(keys.mediaSweepLock, lock, 'PX', 5 * 60_000, 'NX');
      if (!locked) return 0;
      let deleted = 0;
      try {
        const due = await redis.zrangebyscore(keys.mediaCheck, '-inf', Date.now(), 'LIMIT', 0, SWEEP_BATCH);
        for (const mediaId of due) {
          const next = await nextCheck(mediaId);
          if (next === 'forget') {
            await forgetBytes(mediaId);
            await redis.zrem(keys.mediaCheck, mediaId);
            metrics.mediaDeleted.inc();
            deleted++;
          } else {
            await redis.zadd(keys.mediaCheck, next, mediaId);
          }
        }
      } finally {
        if ((await redis.get(keys.mediaSweepLock)) === lock) await redis.del(keys.mediaSweepLock);
      }
      return deleted;
    },
  };

  /** 'forget' (its record is gone now: delete the bytes), or when to look again (Unix ms). */
  async function nextCheck(mediaId: string): Promise<'forget' | number> {
    const { record, chats } = await read(mediaId);
    // No record: the upload never finished (or was forgotten and its bytes' delete failed): bytes only.
    if (!record) return 'forget';
    const now = Date.now();
    const createdAt = Number(record.created_at) * 1000;
    const sentAt = record.sent_at ? Number(record.sent_at) * 1000 : 0;
    if (sentAt && now - sentAt < graceMs) return sentAt + graceMs;
    if (record.avatar_of && (await stillAvatar(mediaId, record.avatar_of))) return now + RECHECK_SECONDS * 1000;
    if ((await referencesIn(mediaId, chats)).some((count) => count > 0)) return now + RECHECK_SECONDS * 1000;
    // Never sent (nor a picture): it may still be, within its window.
    const sendableUntil = createdAt + TIMINGS.mediaSendWindowSeconds * 1000;
    if (!record.sent_at && now < sendableUntil) return sendableUntil + graceMs;
    const forgotten = await run(
      'media-forget',
      [keys.media(mediaId), keys.mediaChats(mediaId)],
      [record.sent_at ?? ''],
    );
    // Claimed between the read and the forget: looked at again after its grace.
    return forgotten === 1 ? 'forget' : now + graceMs;
  }

  async function forgetBytes(mediaId: string): Promise<void> {
    await storage.delete(mediaId);
    await storage.delete(thumbnailKey(mediaId));
    log.debug({ media_id: mediaId }, 'media deleted');
  }

  return store;
}

export type MediaStore = ReturnType<typeof createMediaStore>;
