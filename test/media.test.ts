import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import type { Message, ServerEventOf } from '@papo/protocol';
import type { Cluster, Redis } from 'ioredis';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLocalStorage } from '../packages/server/src/media/local-storage.js';
import { createS3Storage } from '../packages/server/src/media/s3-storage.js';
import type { MediaStorage } from '../packages/server/src/media/storage.js';
import { createDm, expectError, sendMessage } from './helpers/chat-actions.js';
import { api } from './helpers/http.js';
import { download, photoWithGps, png, silentMp3, upload, uploaded, uploadInChunks } from './helpers/media.js';
import { keys, onCluster, redisClient } from './helpers/redis.js';
import { startS3Server } from './helpers/s3-server.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { type Session, users } from './helpers/session.js';
import { onTeardown } from './helpers/teardown.js';
import { waitFor } from './helpers/wait.js';

// Contract section 12: upload, the real type, metadata stripped, messages with media, download with access
// control, signed links, Range and caching headers, pictures, clean-up; on both storage drivers (a local folder,
// and S3 against a real S3 API server, s3rver).

const MAX_UPLOAD = 2 * 1024 * 1024;
let redis: Redis | Cluster;

beforeAll(() => {
  redis = redisClient();
});

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// On the cluster one driver does: what the drivers keep is the same whatever Redis is behind the server.
const drivers = onCluster ? (['local'] as const) : (['local', 's3'] as const);

describe.each(drivers)('media on the %s driver', (driver) => {
  let server: ServerProcess;
  /** The server's storage env, and a driver of the test's own on the same store, to look at what is kept. */
  let storageEnv: Record<string, string>;
  let storage: MediaStorage;
  // Each driver's servers keep their Redis keys apart: a sweep deletes bytes from its own store only, and every
  // instance of one deployment shares one store (docs/media.md).
  const prefix = `${driver}:`;

  beforeAll(async () => {
    if (driver === 'local') {
      const mediaDir = mkdtempSync(join(tmpdir(), 'papo-media-test-'));
      storageEnv = { MEDIA_DIR: mediaDir, REDIS_KEY_PREFIX: prefix };
      storage = createLocalStorage(mediaDir);
    } else {
      const s3 = await startS3Server();
      onTeardown(() => s3.stop());
      storageEnv = { ...s3.env, REDIS_KEY_PREFIX: prefix };
      storage = createS3Storage(s3.config);
      onTeardown(() => storage.close());
    }
    server = await startServer({
      env: { ...storageEnv, MAX_UPLOAD_BYTES: String(MAX_UPLOAD), MAX_FILE_BYTES: String(4 * MAX_UPLOAD) },
    });
  });

  /** Every key the store holds. */
  async function storedKeys(): Promise<Set<string>> {
    return new Set(await storage.listOlderThan('m_', Date.now() + 3600_000, 100_000));
  }
  const stored = async (key: string) => (await storedKeys()).has(key);
  const storedBytes = async (key: string) => bytesOf(await storage.get(key));

  describe('upload', () => {
    it('reads the type from the bytes, re-encodes a photo without EXIF or GPS, and gives size and previews', async () => {
      const [alice] = await users(server, 1);
      const photo = await photoWithGps(640, 480);
      expect((await sharp(photo).metadata()).exif).toBeDefined();
      const media = await uploaded(server.url, alice!.token, photo, 'image/jpeg');
      expect(media).toMatchObject({ kind: 'image', mime: 'image/jpeg', width: 640, height: 480 });
      expect(media.media_id).toMatch(/^m_[A-Za-z0-9_-]{22}$/);
      expect(media.thumbnail).toMatch(/^data:image\/jpeg;base64,/);
      expect(media.thumbnail!.length).toBeLessThan(2048);
      expect(media.url).toMatch(new RegExp(`^/api/media/${media.media_id}\\?u=.+&exp=\\d+&sig=`));

      // Neither the stored bytes nor the served ones carry the metadata.
      const kept = await storedBytes(media.media_id);
      const served = await download(server.url, `/api/media/${media.media_id}`, alice!.token);
      expect(served.status).toBe(200);
      expect(served.bytes.equals(kept)).toBe(true);
      expect(served.bytes.length).toBe(media.size);
      for (const bytes of [kept, served.bytes]) {
        const meta = await sharp(bytes).metadata();
        expect(meta.exif).toBeUndefined();
        expect(bytes.includes(Buffer.from('Exif\0\0'))).toBe(false);
        expect(bytes.includes(Buffer.from('PapoPhone'))).toBe(false);
      }
      const thumbnail = await download(server.url, `/api/media/${media.media_id}/thumbnail`, alice!.token);
      expect(thumbnail.status).toBe(200);
      expect(thumbnail.headers.get('content-type')).toBe('image/jpeg');
      expect((await sharp(thumbnail.bytes).metadata()).width).toBe(320);
    });

    it('turns a photo upright by its EXIF orientation before it drops the tag', async () => {
      const [alice] = await users(server, 1);
      // Stored 200 × 100, to be shown rotated by 90°: 100 × 200.
      const sideways = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#336699' } })
        .jpeg()
        .withMetadata({ orientation: 6 })
        .toBuffer();
      const media = await uploaded(server.url, alice!.token, sideways, 'image/jpeg');
      expect(media).toMatchObject({ width: 100, height: 200 });
    });

    it('refuses a declared type the bytes disagree with, and unknown bytes unless they are a file', async () => {
      const [alice] = await users(server, 1);
      const photo = await png();
      expect((await upload(server.url, alice!.token, photo, 'image/jpeg')).body).toMatchObject({
        error: 'invalid_payload',
      });
      expect((await upload(server.url, alice!.token, photo, 'video/mp4')).status).toBe(400);
      const html = Buffer.from('<html><script>alert(1)</script></html>');
      expect((await upload(server.url, alice!.token, html, 'image/png')).status).toBe(400);
      expect((await upload(server.url, alice!.token, html, 'text/html')).status).toBe(400);
      // As a file it is taken, kept byte for byte, and served as an attachment that no browser runs.
      const file = await uploaded(server.url, alice!.token, html, 'text/html', 'page.html');
      expect(file).toMatchObject({
        kind: 'file',
        mime: 'application/octet-stream',
        name: 'page.html',
        size: html.length,
      });
      const served = await download(server.url, `/api/media/${file.media_id}`, alice!.token);
      expect(served.bytes.equals(html)).toBe(true);
      expect(served.headers.get('content-type')).toBe('application/octet-stream');
      expect(served.headers.get('content-disposition')).toBe('attachment; filename="page.html"');
      expect(served.headers.get('x-content-type-options')).toBe('nosniff');
      expect(served.headers.get('content-security-policy')).toContain('sandbox');
      // A broken image (PNG header, then garbage) is refused, not stored.
      const broken = Buffer.concat([photo.subarray(0, 40), Buffer.alloc(200, 7)]);
      expect((await upload(server.url, alice!.token, broken, 'image/png')).status).toBe(400);
    });

    it('reads an audio’s duration; a voice note is sent from it', async () => {
      const [alice, bob] = await users(server, 2);
      const audio = await uploaded(server.url, alice!.token, silentMp3(200), 'audio/mpeg');
      expect(audio).toMatchObject({ kind: 'audio', mime: 'audio/mpeg' });
      expect(Math.abs(audio.duration_ms! - 5224)).toBeLessThan(100);
      expect(audio.thumbnail).toBeUndefined();
      const dm = await createDm(alice!.client, bob!.userId);
      const created = bob!.client.next('message_created');
      await sendMessage(alice!.client, { chat_id: dm.chat_id, type: 'voice', media_id: audio.media_id });
      expect((await created).message).toMatchObject({ msg_type: 'voice', media: { duration_ms: audio.duration_ms } });
      const served = await download(server.url, `/api/media/${audio.media_id}`, bob!.token, { range: 'bytes=0-416' });
      expect(served.status).toBe(206);
      expect(served.headers.get('content-type')).toBe('audio/mpeg');
      expect(served.bytes.length).toBe(417);
    });

    it('a voice note recorded by a browser (WebM, Opus, no duration in its header) is audio with its duration', async () => {
      const [alice] = await users(server, 1);
      const recorded = readFileSync(new URL('./fixtures/voice-note.webm', import.meta.url));
      const voice = await uploaded(server.url, alice!.token, recorded, 'audio/webm;codecs=opus');
      expect(voice).toMatchObject({ kind: 'audio', mime: 'audio/webm', duration_ms: 2420 });
      // The same bytes declared as something else entirely are refused.
      expect((await upload(server.url, alice!.token, recorded, 'image/png')).status).toBe(400);
    });

    it('refuses what tries to hurt: a decompression bomb, a bad id or name, too many links', async () => {
      const [alice] = await users(server, 1);
      // A PNG whose header says 60,000 × 60,000 pixels (14 GB once decoded): refused from its header.
      const bomb = await png(16, 16);
      bomb.writeUInt32BE(60_000, 16);
      bomb.writeUInt32BE(60_000, 20);
      bomb.writeUInt32BE(crc32(bomb.subarray(12, 29)), 29);
      const reply = await upload(server.url, alice!.token, bomb, 'image/png');
      expect(reply.status).toBe(400);
      expect(reply.body.message).toMatch(/pixel limit/);
      for (const path of [
        '/api/media/..%2F..%2Fetc%2Fpasswd',
        '/api/media/m_x%00y',
        '/api/media/notanid',
        '/api/media/m_',
      ]) {
        expect((await download(server.url, path, alice!.token)).status).toBe(404);
      }
      expect((await upload(server.url, alice!.token, Buffer.from('x'), 'text/plain', 'a'.repeat(300))).status).toBe(
        400,
      );
      // A name with line breaks and quotes goes out in a header that stays one header.
      const odd = await uploaded(
        server.url,
        alice!.token,
        Buffer.from('x'),
        'text/plain',
        'a"b\r\nSet-Cookie: x=1.txt',
      );
      // Control and bidi-override characters and path separators leave a file's name.
      expect(odd.name).toBe('a"bSet-Cookie: x=1.txt');
      const bidi = await uploaded(
        server.url,
        alice!.token,
        Buffer.from('MZ'),
        'application/x-msdownload',
        'invoice\u202Efdp.exe',
      );
      expect(bidi.name).toBe('invoicefdp.exe');
      const pathy = await uploaded(server.url, alice!.token, Buffer.from('x'), 'text/plain', '../../etc/passwd');
      expect(pathy.name).toBe('.._.._etc_passwd');
      const served = await download(server.url, `/api/media/${odd.media_id}`, alice!.token);
      expect(served.headers.get('set-cookie')).toBeNull();
      expect(served.headers.get('content-disposition')).toMatch(/^attachment; filename=/);
      const ids = Array.from({ length: 101 }, (_, i) => `m_${i}`);
      expect(
        (await api(server.url, '/api/media/links', { token: alice!.token, body: { media_ids: ids } })).status,
      ).toBe(400);
    });

    it('answers 413 past MAX_UPLOAD_BYTES (MAX_FILE_BYTES for files), 401 without a token, and stores nothing', async () => {
      const [alice] = await users(server, 1);
      const before = (await storedKeys()).size;
      const big = Buffer.alloc(MAX_UPLOAD + 1, 1);
      expect((await upload(server.url, alice!.token, big, 'image/png')).status).toBe(413);
      expect((await upload(server.url, alice!.token, Buffer.alloc(4 * MAX_UPLOAD + 1), 'x/y', 'big.bin')).status).toBe(
        413,
      );
      // Declared far too large: answered at once; sent in chunks with no Content-Length: counted as they come.
      const far = { chunks: 5, chunkBytes: MAX_UPLOAD / 2 };
      expect(await uploadInChunks(server.url, alice!.token, { ...far, declared: 5 * (MAX_UPLOAD / 2) })).toBe(413);
      expect(await uploadInChunks(server.url, alice!.token, far)).toBe(413);
      expect((await upload(server.url, undefined, await png(), 'image/png')).status).toBe(401);
      expect((await upload(server.url, alice!.token, Buffer.alloc(0), 'image/png')).status).toBe(400);
      expect((await storedKeys()).size).toBe(before);
    });
  });

  describe('messages with media, and who may get them', () => {
    it('a photo sent in a DM: the peer gets it (Bearer, signed link, thumbnail); a stranger gets 404', async () => {
      const [alice, bob, eve] = await users(server, 3);
      const dm = await createDm(alice!.client, bob!.userId);
      const media = await uploaded(server.url, alice!.token, await photoWithGps(), 'image/jpeg');

      // Before it is sent, only its uploader gets it.
      expect((await download(server.url, `/api/media/${media.media_id}`, bob!.token)).status).toBe(404);
      expect((await download(server.url, `/api/media/${media.media_id}`, alice!.token)).status).toBe(200);

      const created = bob!.client.next('message_created');
      const id = await sendMessage(alice!.client, {
        chat_id: dm.chat_id,
        type: 'image',
        media_id: media.media_id,
        body: 'look',
      });
      const { message } = (await created) as ServerEventOf<'message_created'>;
      const { url: _url, ...stored } = media;
      expect(message).toMatchObject({ id, msg_type: 'image', body: 'look', media: stored });
      expect(message.media).not.toHaveProperty('url');

      // Its caption can be edited, as a text's body; the media stays.
      const updated = bob!.client.next('message_updated');
      const edit = await alice!.client.request('edit_message', { chat_id: dm.chat_id, message_id: id, body: 'look!' });
      expect(edit.type, JSON.stringify(edit)).toBe('change_ack');
      expect(((await updated) as { message: Message }).message).toMatchObject({ body: 'look!', media: stored });

      const got = await download(server.url, `/api/media/${media.media_id}`, bob!.token);
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe('image/jpeg');
      expect(got.headers.get('content-disposition')).toMatch(/^inline/);
      expect(got.headers.get('cache-control')).toBe('private, max-age=3600');
      expect(got.headers.get('etag')).toBe(`"${media.media_id}"`);
      expect((await download(server.url, `/api/media/${media.media_id}`, eve!.token)).status).toBe(404);
      expect((await download(server.url, `/api/media/${media.media_id}/thumbnail`, eve!.token)).status).toBe(404);
      expect((await download(server.url, `/api/media/${media.media_id}`)).status).toBe(401);

      // Signed links: for the one they were made for, without a header; a forged or foreign one is 404.
      const links = await api(server.url, '/api/media/links', {
        token: bob!.token,
        body: { media_ids: [media.media_id, 'm_nosuchmedia'] },
      });
      expect(links.status).toBe(200);
      expect(Object.keys(links.body.links)).toEqual([media.media_id]);
      const link: string = links.body.links[media.media_id];
      expect((await download(server.url, link)).status).toBe(200);
      expect(
        (await download(server.url, link.replace('/api/media/', '/api/media/').replace(/\?/, '/thumbnail?'))).status,
      ).toBe(200);
      expect(
        (await download(server.url, link.replace(/sig=[^&]+/, 'sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'))).status,
      ).toBe(404);
      expect((await download(server.url, link.replace(/u=[^&]+/, `u=${eve!.userId}`))).status).toBe(404);
      const eveLinks = await api(server.url, '/api/media/links', {
        token: eve!.token,
        body: { media_ids: [media.media_id] },
      });
      expect(eveLinks.body.links).toEqual({});
    });

    it('another instance on the same store serves what one took, and signs links alike', async () => {
      const other = await startServer({ env: { ...storageEnv } });
      const [alice, bob] = await users(server, 2);
      const dm = await createDm(alice!.client, bob!.userId);
      const media = await uploaded(server.url, alice!.token, await png(), 'image/png');
      await sendMessage(alice!.client, { chat_id: dm.chat_id, type: 'image', media_id: media.media_id });
      const there = await download(other.url, `/api/media/${media.media_id}`, bob!.token);
      expect(there.status).toBe(200);
      expect(there.bytes.equals(await storedBytes(media.media_id))).toBe(true);
      // A link made by one instance works on the other.
      const link = (
        await api(server.url, '/api/media/links', { token: bob!.token, body: { media_ids: [media.media_id] } })
      ).body.links[media.media_id] as string;
      expect((await download(other.url, link)).status).toBe(200);
    });

    it('Range (206, 416), ETag (304)', async () => {
      const [alice] = await users(server, 1);
      const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
      const file = await uploaded(server.url, alice!.token, bytes, 'application/octet-stream', 'data.bin');
      const path = `/api/media/${file.media_id}`;
      const part = await download(server.url, path, alice!.token, { range: 'bytes=100-199' });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe('bytes 100-199/5000');
      expect(part.bytes.equals(bytes.subarray(100, 200))).toBe(true);
      const tail = await download(server.url, path, alice!.token, { range: 'bytes=-10' });
      expect(tail.bytes.equals(bytes.subarray(4990))).toBe(true);
      const open = await download(server.url, path, alice!.token, { range: 'bytes=4999-' });
      expect(open.bytes.equals(bytes.subarray(4999))).toBe(true);
      const outside = await download(server.url, path, alice!.token, { range: 'bytes=6000-7000' });
      expect(outside.status).toBe(416);
      expect(outside.headers.get('content-range')).toBe('bytes */5000');
      const cached = await download(server.url, path, alice!.token, { 'if-none-match': `"${file.media_id}"` });
      expect(cached.status).toBe(304);
    });

    it('a link for a group one was removed from stops working; the members keep theirs', async () => {
      const [owner, kept, removed] = await users(server, 3);
      const created = await owner!.client.request('create_group', {
        title: 'photos',
        member_ids: [kept!.userId, removed!.userId],
      });
      const chatId = created.chat_id as string;
      const media = await uploaded(server.url, owner!.token, await png(), 'image/png');
      await sendMessage(owner!.client, { chat_id: chatId, type: 'image', media_id: media.media_id });
      const linkOf = async (session: Session) =>
        (await api(server.url, '/api/media/links', { token: session.token, body: { media_ids: [media.media_id] } }))
          .body.links[media.media_id] as string;
      const removedLink = await linkOf(removed!);
      const keptLink = await linkOf(kept!);
      expect((await download(server.url, removedLink)).status).toBe(200);
      const reply = await owner!.client.request('remove_member', { chat_id: chatId, user_id: removed!.userId });
      expect(reply.type, JSON.stringify(reply)).toBe('member_removed');
      expect((await download(server.url, removedLink)).status).toBe(404);
      expect((await download(server.url, `/api/media/${media.media_id}`, removed!.token)).status).toBe(404);
      expect((await download(server.url, keptLink)).status).toBe(200);
    });

    it('a media id is sent by its uploader only, as the type it is; a forward carries it to the new chat', async () => {
      const [alice, bob, carol] = await users(server, 3);
      const dm = await createDm(alice!.client, bob!.userId);
      const media = await uploaded(server.url, alice!.token, await png(), 'image/png');
      // Someone else's upload, a wrong type, a missing id: refused, and nothing stored.
      await expectError(
        bob!.client,
        'send_message',
        { chat_id: dm.chat_id, type: 'image', media_id: media.media_id },
        'invalid_payload',
      );
      await expectError(
        alice!.client,
        'send_message',
        { chat_id: dm.chat_id, type: 'voice', media_id: media.media_id },
        'invalid_payload',
      );
      await expectError(alice!.client, 'send_message', { chat_id: dm.chat_id, type: 'image' }, 'invalid_payload');
      await expectError(
        alice!.client,
        'send_message',
        { chat_id: dm.chat_id, body: 'x', media_id: media.media_id },
        'invalid_payload',
      );
      await expectError(
        alice!.client,
        'send_message',
        { chat_id: dm.chat_id, type: 'image', media_id: 'm_nosuchupload' },
        'invalid_payload',
      );
      // Any upload goes as a file.
      const id = await sendMessage(alice!.client, { chat_id: dm.chat_id, type: 'file', media_id: media.media_id });
      // Bob forwards it to a DM with Carol, who may then get it.
      const toCarol = await createDm(bob!.client, carol!.userId);
      expect((await download(server.url, `/api/media/${media.media_id}`, carol!.token)).status).toBe(404);
      const created = carol!.client.next('message_created');
      await sendMessage(bob!.client, { chat_id: toCarol.chat_id, forward_of: { chat_id: dm.chat_id, message_id: id } });
      const { message } = (await created) as { message: Message };
      expect(message).toMatchObject({ msg_type: 'file', forwarded: true, media: { media_id: media.media_id } });
      expect((await download(server.url, `/api/media/${media.media_id}`, carol!.token)).status).toBe(200);
    });
  });

  describe('profile and group pictures', () => {
    it('a picture set with PATCH /api/me is served to anyone at avatar_url; only an image of one’s own is taken', async () => {
      const [alice, bob] = await users(server, 2);
      const picture = await uploaded(server.url, alice!.token, await png(200, 200), 'image/png');
      expect((await download(server.url, `/api/media/${picture.media_id}`)).status).toBe(401);
      const set = await api(server.url, '/api/me', {
        method: 'PATCH',
        token: alice!.token,
        body: { avatar_media_id: picture.media_id },
      });
      expect(set.status).toBe(200);
      expect(set.body.avatar_url).toBe(`/api/media/${picture.media_id}`);
      expect((await api(server.url, `/api/users/${alice!.userId}`, { token: bob!.token })).body.avatar_url).toBe(
        `/api/media/${picture.media_id}`,
      );
      expect((await download(server.url, `/api/media/${picture.media_id}`)).status).toBe(200);

      // Someone else's upload, or a file, is refused; the picture stands.
      const bobs = await uploaded(server.url, bob!.token, await png(), 'image/png');
      const notMine = await api(server.url, '/api/me', {
        method: 'PATCH',
        token: alice!.token,
        body: { avatar_media_id: bobs.media_id },
      });
      expect(notMine.body).toMatchObject({ error: 'invalid_payload' });
      const file = await uploaded(server.url, alice!.token, Buffer.from('hello'), 'text/plain', 'a.txt');
      const notImage = await api(server.url, '/api/me', {
        method: 'PATCH',
        token: alice!.token,
        body: { avatar_media_id: file.media_id },
      });
      expect(notImage.status).toBe(400);
      expect((await download(server.url, `/api/media/${bobs.media_id}`)).status).toBe(401);

      // Removed: no longer anyone's to see.
      const removed = await api(server.url, '/api/me', {
        method: 'PATCH',
        token: alice!.token,
        body: { avatar_media_id: '' },
      });
      expect(removed.body.avatar_url).toBe('');
      expect((await download(server.url, `/api/media/${picture.media_id}`)).status).toBe(401);
      expect((await download(server.url, `/api/media/${picture.media_id}`, bob!.token)).status).toBe(404);
    });

    it('a group picture: admins set it, members are told, the chat list shows it; a member’s try makes nothing public', async () => {
      const [owner, member] = await users(server, 2);
      const created = await owner!.client.request('create_group', { title: 'pics', member_ids: [member!.userId] });
      const chatId = created.chat_id as string;
      const picture = await uploaded(server.url, owner!.token, await png(300, 300), 'image/png');
      const told = member!.client.next('chat_updated');
      const reply = await owner!.client.request('update_chat', { chat_id: chatId, avatar_media_id: picture.media_id });
      expect(reply).toMatchObject({ type: 'chat_updated', avatar_url: `/api/media/${picture.media_id}` });
      expect(await told).toMatchObject({ avatar_url: `/api/media/${picture.media_id}` });
      const changes = await waitFor(
        () => member!.client.all('message_created').map((frame) => (frame.message as Message).system),
        (systems) => systems.some((info) => info?.event === 'info_changed'),
        { what: 'the info_changed system message' },
      );
      expect(changes.find((info) => info?.event === 'info_changed')).toMatchObject({ picture: true });
      const list = await api(server.url, '/api/chats', { token: member!.token });
      expect(list.body.chats.find((c: { chat_id: string }) => c.chat_id === chatId).avatar_url).toBe(
        `/api/media/${picture.media_id}`,
      );
      expect((await api(server.url, `/api/chats/${chatId}`, { token: member!.token })).body.avatar_url).toBe(
        `/api/media/${picture.media_id}`,
      );
      expect((await download(server.url, `/api/media/${picture.media_id}`)).status).toBe(200);

      const private_ = await uploaded(server.url, member!.token, await png(), 'image/png');
      await expectError(
        member!.client,
        'update_chat',
        { chat_id: chatId, avatar_media_id: private_.media_id },
        'forbidden',
      );
      expect((await download(server.url, `/api/media/${private_.media_id}`)).status).toBe(401);
      expect((await download(server.url, `/api/media/${private_.media_id}`, owner!.token)).status).toBe(404);
    });
  });

  describe('clean-up', () => {
    let sweeping: ServerProcess;
    beforeAll(async () => {
      // Sweeps every second, and a claim's grace is 2 s: what takes minutes in production takes seconds here.
      sweeping = await startServer({
        env: { ...storageEnv, MEDIA_SWEEP_INTERVAL_S: '1', MEDIA_CLAIM_GRACE_S: '2', MESSAGES_KEEP: '10' },
      });
    });

    const gone = (mediaId: string) =>
      waitFor(
        async () => ({ bytes: await stored(mediaId), record: await redis.exists(prefix + keys.media(mediaId)) }),
        (state) => !state.bytes && state.record === 0,
        { what: `media ${mediaId} to be deleted`, timeoutMs: 20_000 },
      );

    it('deletes the media of a deleted message, with its thumbnail, once no kept message refers to it', async () => {
      const [alice, bob] = await users(sweeping, 2);
      const dm = await createDm(alice!.client, bob!.userId);
      const media = await uploaded(sweeping.url, alice!.token, await png(), 'image/png');
      const first = await sendMessage(alice!.client, { chat_id: dm.chat_id, type: 'image', media_id: media.media_id });
      // Sent twice in the chat: the first delete leaves the second message holding it.
      const second = await sendMessage(alice!.client, { chat_id: dm.chat_id, type: 'image', media_id: media.media_id });
      expect(await stored(`${media.media_id}.thumb`)).toBe(true);
      const deleted = bob!.client.next('message_updated');
      expect((await alice!.client.request('delete_message', { chat_id: dm.chat_id, message_id: first })).type).toBe(
        'change_ack',
      );
      // The deleted message keeps nothing of its media.
      const { message } = (await deleted) as { message: Message };
      expect(message).toMatchObject({ id: first, deleted: true });
      expect(message.media).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 3500));
      expect(await stored(media.media_id)).toBe(true);
      expect((await download(sweeping.url, `/api/media/${media.media_id}`, bob!.token)).status).toBe(200);

      expect((await alice!.client.request('delete_message', { chat_id: dm.chat_id, message_id: second })).type).toBe(
        'change_ack',
      );
      await gone(media.media_id);
      expect(await stored(`${media.media_id}.thumb`)).toBe(false);
      expect((await download(sweeping.url, `/api/media/${media.media_id}`, alice!.token)).status).toBe(404);
    });

    it('deletes the media of messages trimmed by MESSAGES_KEEP, unless another chat keeps it', async () => {
      const [alice, bob, carol] = await users(sweeping, 3);
      const withBob = await createDm(alice!.client, bob!.userId);
      const withCarol = await createDm(alice!.client, carol!.userId);
      const trimmed = await uploaded(sweeping.url, alice!.token, await png(), 'image/png');
      const shared = await uploaded(sweeping.url, alice!.token, await png(30, 30), 'image/png');
      await sendMessage(alice!.client, { chat_id: withBob.chat_id, type: 'image', media_id: trimmed.media_id });
      await sendMessage(alice!.client, { chat_id: withBob.chat_id, type: 'file', media_id: shared.media_id });
      await sendMessage(alice!.client, { chat_id: withCarol.chat_id, type: 'image', media_id: shared.media_id });
      // Ten more messages push both out of the DM with Bob (MESSAGES_KEEP=10).
      for (let i = 0; i < 10; i++) await sendMessage(alice!.client, { chat_id: withBob.chat_id, body: `text ${i}` });
      await gone(trimmed.media_id);
      // The DM with Carol still holds the other one: kept, and hers to get; Bob's access went with the message.
      await new Promise((resolve) => setTimeout(resolve, 3500));
      expect(await stored(shared.media_id)).toBe(true);
      expect((await download(sweeping.url, `/api/media/${shared.media_id}`, carol!.token)).status).toBe(200);
      expect((await download(sweeping.url, `/api/media/${shared.media_id}`, bob!.token)).status).toBe(404);
    });

    it('deletes an upload never sent once its 24 h are over', async () => {
      const [alice] = await users(sweeping, 1);
      const unsent = await uploaded(sweeping.url, alice!.token, await png(), 'image/png');
      const recent = await uploaded(sweeping.url, alice!.token, await png(20, 20), 'image/png');
      // Its 24 h are made to be over: uploaded a day and a minute ago, and due on the sweep's list now.
      await redis.hset(
        prefix + keys.media(unsent.media_id),
        'created_at',
        Math.floor(Date.now() / 1000) - 24 * 3600 - 60,
      );
      await redis.zadd(prefix + keys.mediaCheck, Date.now(), unsent.media_id);
      await redis.zadd(prefix + keys.mediaCheck, Date.now(), recent.media_id);
      await gone(unsent.media_id);
      // Too late to send it; the recent one, due too early, was only put off to the end of its window.
      await expectError(
        alice!.client,
        'send_message',
        { chat_id: 'nochat', type: 'image', media_id: unsent.media_id },
        'invalid_payload',
      );
      expect(await stored(recent.media_id)).toBe(true);
      const due = Number(await redis.zscore(prefix + keys.mediaCheck, recent.media_id));
      expect(due).toBeGreaterThan(Date.now() + 23 * 3600 * 1000);
    });

    it('deletes a profile picture once it is replaced', async () => {
      const [alice] = await users(sweeping, 1);
      const first = await uploaded(sweeping.url, alice!.token, await png(), 'image/png');
      const second = await uploaded(sweeping.url, alice!.token, await png(50, 50), 'image/png');
      const patch = (id: string) =>
        api(sweeping.url, '/api/me', { method: 'PATCH', token: alice!.token, body: { avatar_media_id: id } });
      expect((await patch(first.media_id)).status).toBe(200);
      expect((await patch(second.media_id)).status).toBe(200);
      await gone(first.media_id);
      expect((await download(sweeping.url, `/api/media/${second.media_id}`)).status).toBe(200);
    });
  });
});
