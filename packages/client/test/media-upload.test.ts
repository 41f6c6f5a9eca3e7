import { describe, expect, it } from 'vitest';
import { MediaUploader } from '../src/media-upload.js';

type Seen = { url: string; headers: Record<string, string>; body: unknown };

function fakeFetch(answers: Array<{ status: number; body: unknown }>, seen: Seen[]): typeof fetch {
  return (async (url: string, init: RequestInit) => {
    seen.push({ url, headers: init.headers as Record<string, string>, body: init.body });
    const answer = answers.shift()!;
    return new Response(JSON.stringify(answer.body), { status: answer.status });
  }) as typeof fetch;
}

describe('uploading media', () => {
  const png = new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' });
  const answer = { media_id: 'm_1', kind: 'image', mime: 'image/png', size: 3 };

  it('posts the bytes with their type and the token, a file with its name, and reports the end', async () => {
    const seen: Seen[] = [];
    const progress: number[][] = [];
    const uploader = new MediaUploader(
      'http://papo.test',
      fakeFetch([{ status: 201, body: answer }], seen),
      () => 't1',
      async () => false,
    );
    const info = await uploader.upload(png, {
      name: 'a b.png',
      onProgress: (sent, total) => progress.push([sent, total]),
    });
    expect(info).toEqual(answer);
    expect(seen[0]!.url).toBe('http://papo.test/api/media?name=a%20b.png');
    expect(seen[0]!.headers).toEqual({ 'content-type': 'image/png', authorization: 'Bearer t1' });
    expect(seen[0]!.body).toBe(png);
    expect(progress).toEqual([[3, 3]]);
  });

  it('refreshes the session once on 401 and tries again with the new token', async () => {
    const seen: Seen[] = [];
    let token = 'old';
    const uploader = new MediaUploader(
      'http://papo.test',
      fakeFetch(
        [
          { status: 401, body: { error: 'unauthenticated', message: 'expired' } },
          { status: 201, body: answer },
        ],
        seen,
      ),
      () => token,
      async () => {
        token = 'new';
        return true;
      },
    );
    await expect(uploader.upload(png)).resolves.toEqual(answer);
    expect(seen.map((s) => s.headers.authorization)).toEqual(['Bearer old', 'Bearer new']);
  });

  it('turns a refusal into its error code (413 with no body: invalid_payload)', async () => {
    const uploader = new MediaUploader(
      'http://papo.test',
      fakeFetch(
        [
          { status: 413, body: '' },
          { status: 429, body: { error: 'rate_limited', message: 'slow down', retry_after: 30 } },
        ],
        [],
      ),
      () => 't',
      async () => false,
    );
    await expect(uploader.upload(png)).rejects.toMatchObject({ code: 'invalid_payload' });
    await expect(uploader.upload(png)).rejects.toMatchObject({ code: 'rate_limited', retryAfter: 30 });
  });

  it('rejects as aborted when cancelled before it starts', async () => {
    const controller = new AbortController();
    controller.abort();
    const uploader = new MediaUploader(
      'http://papo.test',
      fakeFetch([], []),
      () => 't',
      async () => false,
    );
    await expect(uploader.upload(png, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
