import type { MediaInfo } from '@papo/protocol';
import { PapoError } from './errors.js';
import { parseAnswer } from './http.js';

export type UploadOptions = {
  /** Upload as a file under this name (any type, up to MAX_FILE_BYTES); without it only media types are taken. */
  name?: string;
  /** Bytes sent so far, as the upload goes (browsers: as the bytes leave; elsewhere once, at the end). */
  onProgress?: (sent: number, total: number) => void;
  /** Aborts the upload: it then rejects with an `AbortError`. */
  signal?: AbortSignal;
};

type RawAnswer = { status: number; text: string };

/** An upload that was aborted (`signal`), told apart from a refusal. */
export function abortError(): Error {
  const error = new Error('The upload was cancelled.');
  error.name = 'AbortError';
  return error;
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

/**
 * Uploads bytes to `POST /api/media` (contract section 12) with the session's token; a 401 (the token ran
 * out) refreshes the session once and tries again. Browsers upload with XMLHttpRequest, the only API that
 * reports upload progress; elsewhere (Node) with fetch.
 */
export class MediaUploader {
  constructor(
    private readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch,
    private readonly token: () => string | undefined,
    private readonly renew: () => Promise<boolean>,
  ) {}

  async upload(file: Blob, options: UploadOptions = {}): Promise<MediaInfo> {
    const query = options.name ? `?name=${encodeURIComponent(options.name)}` : '';
    const url = `${this.baseUrl}/api/media${query}`;
    for (let retried = false; ; retried = true) {
      const token = this.token();
      const answer = await this.post(url, file, token, options);
      if (answer.status === 401 && token && !retried && (await this.renew())) continue;
      return parseAnswer<MediaInfo>(answer.status, answer.text);
    }
  }

  private post(url: string, file: Blob, token: string | undefined, options: UploadOptions): Promise<RawAnswer> {
    if (options.signal?.aborted) return Promise.reject(abortError());
    const headers: Record<string, string> = { 'content-type': file.type || 'application/octet-stream' };
    if (token) headers.authorization = `Bearer ${token}`;
    return typeof XMLHttpRequest === 'function'
      ? postWithXhr(url, file, headers, options)
      : this.postWithFetch(url, file, headers, options);
  }

  private async postWithFetch(
    url: string,
    file: Blob,
    headers: Record<string, string>,
    options: UploadOptions,
  ): Promise<RawAnswer> {
    let response: Response;
    try {
      response = await this.fetchImpl(url, { method: 'POST', headers, body: file, signal: options.signal });
    } catch (err) {
      if (options.signal?.aborted) throw abortError();
      throw new PapoError('internal', `The server cannot be reached (${(err as Error).message}).`);
    }
    const text = await response.text();
    if (response.ok) options.onProgress?.(file.size, file.size);
    return { status: response.status, text };
  }
}

function postWithXhr(
  url: string,
  file: Blob,
  headers: Record<string, string>,
  options: UploadOptions,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) =>
      options.onProgress?.(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => {
      options.signal?.removeEventListener('abort', abort);
      resolve({ status: xhr.status, text: xhr.responseText });
    };
    xhr.onerror = () => {
      options.signal?.removeEventListener('abort', abort);
      reject(new PapoError('internal', 'The server cannot be reached.'));
    };
    xhr.onabort = () => reject(abortError());
    const abort = () => xhr.abort();
    options.signal?.addEventListener('abort', abort, { once: true });
    xhr.send(file);
  });
}
