import type { ActionDataOf, MediaInfo } from '@papo/protocol';
import { describe, expect, it } from 'vitest';
import type { Emit } from '../src/emitter.js';
import { PapoError } from '../src/errors.js';
import { abortError, type UploadOptions } from '../src/media-upload.js';
import { memoryStorage, Outbox } from '../src/outbox.js';
import { mediaTypeOf, OutboxSender } from '../src/outbox-sender.js';
import { OutboxUploads } from '../src/outbox-uploads.js';
import type { BlobStore, ClientEvents, KeyValueStorage } from '../src/types.js';
import { TypingNotifier } from '../src/typing.js';

type Upload = {
  file: Blob;
  options: UploadOptions;
  resolve: (info: MediaInfo) => void;
  reject: (err: unknown) => void;
};

/** An outbox with a hand-driven uploader: each upload waits until the test settles it. */
function harness(storage: KeyValueStorage = memoryStorage(), blobStore?: BlobStore) {
  const uploads: Upload[] = [];
  const frames: ActionDataOf<'send_message'>[] = [];
  const events: Array<[keyof ClientEvents, unknown]> = [];
  const emit: Emit<ClientEvents> = (name, payload) => void events.push([name, payload]);
  let sender: OutboxSender;
  const outboxUploads = new OutboxUploads({
    upload: (file, options) =>
      new Promise<MediaInfo>((resolve, reject) => {
        uploads.push({ file, options, resolve, reject });
        options.signal?.addEventListener('abort', () => reject(abortError()));
      }),
    blobStore,
    storeKey: (id) => `t:upload:${id}`,
    progress: (entry, sent, total) => sender.uploadProgress(entry, sent, total),
    uploaded: (entry, info) => sender.uploaded(entry, info),
    failed: (entry, error) => sender.uploadFailed(entry, error),
    later: (entry, delayMs) => sender.uploadLater(entry, delayMs),
  });
  sender = new OutboxSender({
    outbox: new Outbox(storage, 't:outbox'),
    send: (data) => frames.push(data) > 0,
    typing: new TypingNotifier(() => {}, 2000, 3000),
    emit,
    stateOf: () => 'sent',
    uploads: outboxUploads,
  });
  return { sender, uploads, frames, events, storage };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const png = new Blob([new Uint8Array([137, 80, 78, 71])], { type: 'image/png' });
const info = (mediaId: string, kind: MediaInfo['kind'] = 'image'): MediaInfo => ({
  media_id: mediaId,
  kind,
  mime: 'image/png',
  size: 4,
  width: 2,
  height: 1,
});

describe('media messages in the outbox', () => {
  it('uploads first, then sends the message with the upload’s id and the caption', async () => {
    const { sender, uploads, frames, events } = harness();
    const entry = sender.sendMedia('c1', png, { caption: ' look ', width: 2, height: 1 });
    expect(entry.media).toMatchObject({ type: 'image', mime: 'image/png', size: 4, width: 2, sent: 0 });
    expect(entry.media?.local_url).toMatch(/^blob:/);
    expect(frames).toEqual([]);
    await settle();
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.options.name).toBeUndefined();
    uploads[0]!.options.onProgress?.(2, 4);
    expect(sender.list()[0]!.media?.sent).toBe(2);
    expect(events.some(([name]) => name === 'upload_progress')).toBe(true);
    uploads[0]!.resolve(info('m_1'));
    await settle();
    expect(frames).toEqual([
      { chat_id: 'c1', client_msg_id: entry.client_msg_id, type: 'image', media_id: 'm_1', body: 'look' },
    ]);
    sender.acknowledged('c1', entry.client_msg_id, 7);
    expect(sender.list()).toEqual([]);
  });

  it('uploads a file with its name, and sends no body without a caption', async () => {
    const { sender, uploads, frames } = harness();
    const pdf = new File(['%PDF-1.4'], 'report.pdf', { type: 'application/pdf' });
    const entry = sender.sendMedia('c1', pdf, {});
    expect(entry.media).toMatchObject({ type: 'file', name: 'report.pdf' });
    await settle();
    expect(uploads[0]!.options.name).toBe('report.pdf');
    uploads[0]!.resolve(info('m_2', 'file'));
    await settle();
    expect(frames[0]).toEqual({ chat_id: 'c1', client_msg_id: entry.client_msg_id, type: 'file', media_id: 'm_2' });
  });

  it('fails the entry when the upload is refused, and uploads again on retry', async () => {
    const { sender, uploads, frames } = harness();
    const entry = sender.sendMedia('c1', png, {});
    await settle();
    uploads[0]!.reject(new PapoError('invalid_payload', 'Too large.'));
    await settle();
    expect(sender.list()[0]).toMatchObject({ state: 'failed', error: { code: 'invalid_payload' } });
    expect(frames).toEqual([]);
    sender.retry(entry.client_msg_id);
    await settle();
    expect(uploads).toHaveLength(2);
    expect(sender.list()[0]!.state).toBe('pending');
    uploads[1]!.resolve(info('m_3'));
    await settle();
    expect(frames).toHaveLength(1);
  });

  it('uploads again on retry when the server no longer knows the upload (not_found)', async () => {
    const { sender, uploads, frames } = harness();
    const entry = sender.sendMedia('c1', png, {});
    await settle();
    uploads[0]!.resolve(info('m_old'));
    await settle();
    expect(frames).toHaveLength(1);
    sender.refused({
      type: 'error',
      error: 'not_found',
      message: 'No such media.',
      client_msg_id: entry.client_msg_id,
    });
    expect(sender.list()[0]!.state).toBe('failed');
    sender.retry(entry.client_msg_id);
    await settle();
    expect(uploads).toHaveLength(2);
    uploads[1]!.resolve(info('m_new'));
    await settle();
    expect(frames.map((f) => f.media_id)).toEqual(['m_old', 'm_new']);
  });

  it('cancels an upload in flight when the entry is discarded', async () => {
    const { sender, uploads, frames } = harness();
    const entry = sender.sendMedia('c1', png, {});
    await settle();
    sender.discard(entry.client_msg_id);
    expect(uploads[0]!.options.signal?.aborted).toBe(true);
    await settle();
    expect(sender.list()).toEqual([]);
    expect(frames).toEqual([]);
  });

  it('keeps no object URL or progress in storage, and a reload uploads the bytes kept in the blob store', async () => {
    const storage = memoryStorage();
    const blobs = new Map<string, Blob>();
    const blobStore: BlobStore = {
      put: async (key, blob) => void blobs.set(key, blob),
      get: async (key) => blobs.get(key),
      delete: async (key) => void blobs.delete(key),
    };
    const first = harness(storage, blobStore);
    const entry = first.sender.sendMedia('c1', png, {});
    await settle();
    const stored = JSON.parse(storage.getItem('t:outbox')!);
    expect(stored[0].media.local_url).toBeUndefined();
    expect(stored[0].media.sent).toBeUndefined();
    expect(blobs.size).toBe(1);

    const reloaded = harness(storage, blobStore);
    reloaded.sender.resumeUploads('t:upload:');
    await settle();
    expect(reloaded.uploads).toHaveLength(1);
    expect(await reloaded.uploads[0]!.file.arrayBuffer()).toEqual(await png.arrayBuffer());
    reloaded.uploads[0]!.resolve(info('m_4'));
    await settle();
    expect(reloaded.frames[0]).toMatchObject({ client_msg_id: entry.client_msg_id, media_id: 'm_4' });
    reloaded.sender.acknowledged('c1', entry.client_msg_id, 1);
    await settle();
    expect(blobs.size).toBe(0);
  });

  it('shows a failed entry’s bytes again after a reload, and uploads them on retry', async () => {
    const storage = memoryStorage();
    const blobs = new Map<string, Blob>();
    const blobStore: BlobStore = {
      put: async (key, blob) => void blobs.set(key, blob),
      get: async (key) => blobs.get(key),
      delete: async (key) => void blobs.delete(key),
    };
    const first = harness(storage, blobStore);
    const entry = first.sender.sendMedia('c1', png, {});
    await settle();
    first.uploads[0]!.reject(new PapoError('internal', 'The server cannot be reached.'));
    await settle();

    const reloaded = harness(storage, blobStore);
    reloaded.sender.resumeUploads('t:upload:');
    await settle();
    const shown = reloaded.sender.list()[0]!;
    expect(shown.state).toBe('failed');
    expect(shown.media?.local_url).toMatch(/^blob:/);
    expect(reloaded.events.some(([name]) => name === 'outbox')).toBe(true);
    expect(reloaded.uploads).toEqual([]);
    reloaded.sender.retry(entry.client_msg_id);
    await settle();
    expect(reloaded.uploads).toHaveLength(1);
  });

  it('drops stored bytes no entry refers to any more at start (a tab closed between send and clean-up)', async () => {
    const blobs = new Map<string, Blob>([
      ['t:upload:gone', png],
      ['other:upload:x', png],
    ]);
    const blobStore: BlobStore = {
      put: async (key, blob) => void blobs.set(key, blob),
      get: async (key) => blobs.get(key),
      delete: async (key) => void blobs.delete(key),
      keys: async () => [...blobs.keys()],
    };
    const storage = memoryStorage();
    const first = harness(storage, blobStore);
    const kept = first.sender.sendMedia('c1', png, {});
    await settle();
    const reloaded = harness(storage, blobStore);
    reloaded.sender.resumeUploads('t:upload:');
    await settle();
    expect([...blobs.keys()].sort()).toEqual(['other:upload:x', `t:upload:${kept.client_msg_id}`]);
  });

  it('fails a reloaded entry whose bytes were not kept, saying so', async () => {
    const storage = memoryStorage();
    harness(storage).sender.sendMedia('c1', png, {});
    const reloaded = harness(storage);
    reloaded.sender.resumeUploads('t:upload:');
    await settle();
    expect(reloaded.uploads).toEqual([]);
    expect(reloaded.sender.list()[0]).toMatchObject({ state: 'failed', error: { code: 'not_found' } });
  });

  it('uploads two at a time (the server refuses a third), the others in turn as slots free up', async () => {
    const { sender, uploads, frames } = harness();
    const entries = [1, 2, 3, 4].map(() => sender.sendMedia('c1', png, {}));
    await settle();
    expect(uploads).toHaveLength(2);
    sender.discard(entries[0]!.client_msg_id);
    await settle();
    expect(uploads).toHaveLength(3);
    expect(uploads[0]!.options.signal?.aborted).toBe(true);
    uploads[1]!.resolve(info('m_b'));
    await settle();
    expect(uploads).toHaveLength(4);
    uploads[2]!.resolve(info('m_c'));
    uploads[3]!.resolve(info('m_d'));
    await settle();
    expect(frames.map((f) => f.media_id)).toEqual(['m_b', 'm_c', 'm_d']);
    expect(frames.map((f) => f.client_msg_id)).toEqual(entries.slice(1).map((e) => e.client_msg_id));
  });

  it('sends by default what the bytes are: a media type the contract allows, else a file', () => {
    expect(mediaTypeOf('image/jpeg')).toBe('image');
    expect(mediaTypeOf('video/webm')).toBe('video');
    expect(mediaTypeOf('audio/webm;codecs=opus')).toBe('audio');
    expect(mediaTypeOf('image/heic')).toBe('file');
    expect(mediaTypeOf('')).toBe('file');
  });
});
