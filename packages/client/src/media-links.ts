import { LIMITS, type MediaLinksAnswer } from '@papo/protocol';
import { PapoError } from './errors.js';

/** A link is used until this long before it runs out (a video may play for minutes after it started loading). */
export const LINK_MARGIN_MS = 5 * 60 * 1000;

type Waiter = { resolve: (link: string) => void; reject: (err: unknown) => void };
type Cached = { link: string; usableUntilMs: number };

/**
 * Signed links to media (`<img>`, `<video>` and `<audio>` send no Bearer): every id asked for in the same
 * tick goes in one `POST /api/media/links` (at most LIMITS.mediaLinksMax ids a call), and a link is kept
 * until LINK_MARGIN_MS before it runs out. A thumbnail's link is the media's with `/thumbnail` added to the
 * path (the same signature covers both).
 */
export class MediaLinks {
  private readonly cache = new Map<string, Cached>();
  private waiting = new Map<string, Waiter[]>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly fetchLinks: (mediaIds: string[]) => Promise<MediaLinksAnswer>,
    private readonly now: () => number = Date.now,
  ) {}

  /** An absolute URL that gets the media's bytes without a token. */
  async mediaUrl(mediaId: string): Promise<string> {
    return `${this.baseUrl}${await this.link(mediaId)}`;
  }

  /** An absolute URL of the media's thumbnail (a JPEG of at most 320 px a side; 404 when it has none). */
  async thumbnailUrl(mediaId: string): Promise<string> {
    const link = await this.link(mediaId);
    const [path, query] = splitQuery(link);
    return `${this.baseUrl}${path}/thumbnail${query}`;
  }

  /** A link the server gave otherwise (an upload's `url`): kept as if asked for, until its `exp`. */
  remember(mediaId: string, link: string): void {
    const exp = Number(new URLSearchParams(splitQuery(link)[1]).get('exp'));
    if (exp > 0) this.cache.set(mediaId, { link, usableUntilMs: exp * 1000 - LINK_MARGIN_MS });
  }

  clear(): void {
    this.cache.clear();
  }

  private link(mediaId: string): Promise<string> {
    const cached = this.cache.get(mediaId);
    if (cached && cached.usableUntilMs > this.now()) return Promise.resolve(cached.link);
    return new Promise((resolve, reject) => {
      const waiters = this.waiting.get(mediaId);
      if (waiters) waiters.push({ resolve, reject });
      else this.waiting.set(mediaId, [{ resolve, reject }]);
      this.flushTimer ??= setTimeout(() => this.flush(), 0);
    });
  }

  private flush(): void {
    this.flushTimer = undefined;
    const batch = this.waiting;
    this.waiting = new Map();
    const ids = [...batch.keys()];
    for (let start = 0; start < ids.length; start += LIMITS.mediaLinksMax) {
      void this.ask(ids.slice(start, start + LIMITS.mediaLinksMax), batch);
    }
  }

  private async ask(ids: string[], batch: Map<string, Waiter[]>): Promise<void> {
    try {
      const answer = await this.fetchLinks(ids);
      const usableUntilMs = answer.expires_at * 1000 - LINK_MARGIN_MS;
      for (const id of ids) {
        const link = answer.links[id];
        if (link) this.cache.set(id, { link, usableUntilMs });
        for (const waiter of batch.get(id) ?? []) {
          if (link) waiter.resolve(link);
          else waiter.reject(new PapoError('not_found', 'This media is not there, or not for this user.'));
        }
      }
    } catch (err) {
      for (const id of ids) for (const waiter of batch.get(id) ?? []) waiter.reject(err);
    }
  }
}

function splitQuery(link: string): [string, string] {
  const at = link.indexOf('?');
  return at < 0 ? [link, ''] : [link.slice(0, at), link.slice(at)];
}
