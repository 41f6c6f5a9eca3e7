import type { MediaInfo } from '@papo/protocol';
import type { HttpApi } from './http.js';
import { MediaLinks } from './media-links.js';
import { MediaUploader, type UploadOptions } from './media-upload.js';
import type { OutboxSender } from './outbox-sender.js';
import { OutboxUploads } from './outbox-uploads.js';
import type { BlobStore } from './types.js';

export type ClientMediaOptions = {
  baseUrl: string;
  fetch: typeof fetch;
  token: () => string | undefined;
  renew: () => Promise<boolean>;
  http: HttpApi;
  blobStore?: BlobStore | undefined;
  /** The blob store's key of an outbox entry's bytes. */
  storeKey: (clientMsgId: string) => string;
  /** The outbox, told how its media messages' uploads go. */
  sender: () => OutboxSender;
};

/**
 * The client's media (contract section 12): uploads, alone or for the outbox's media messages, and the signed
 * links that `<img>`, `<video>` and `<audio>` load from (an upload's own link is kept as if asked for).
 */
export class ClientMedia {
  readonly uploads: OutboxUploads;
  private readonly uploader: MediaUploader;
  private readonly links: MediaLinks;

  constructor(options: ClientMediaOptions) {
    this.uploader = new MediaUploader(options.baseUrl, options.fetch, options.token, options.renew);
    this.links = new MediaLinks(options.baseUrl, (ids) => options.http.mediaLinks(ids));
    this.uploads = new OutboxUploads({
      upload: (file, uploadOptions) => this.upload(file, uploadOptions),
      blobStore: options.blobStore,
      storeKey: options.storeKey,
      progress: (entry, sent, total) => options.sender().uploadProgress(entry, sent, total),
      uploaded: (entry, info) => options.sender().uploaded(entry, info),
      failed: (entry, error) => options.sender().uploadFailed(entry, error),
      later: (entry, delayMs) => options.sender().uploadLater(entry, delayMs),
    });
  }

  async upload(file: Blob, options?: UploadOptions): Promise<MediaInfo> {
    const info = await this.uploader.upload(file, options);
    if (info.url) this.links.remember(info.media_id, info.url);
    return info;
  }

  mediaUrl(mediaId: string): Promise<string> {
    return this.links.mediaUrl(mediaId);
  }

  thumbnailUrl(mediaId: string): Promise<string> {
    return this.links.thumbnailUrl(mediaId);
  }

  localUrl(mediaId: string): string | undefined {
    return this.uploads.localUrl(mediaId);
  }

  /** Another account's links are not this one's (the outbox's bytes go with the outbox's `clear`). */
  clearLinks(): void {
    this.links.clear();
  }
}
