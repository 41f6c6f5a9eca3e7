import type { LoginAnswer, RefreshAnswer } from '@papo/protocol';
import { PapoError } from './errors.js';
import type { KeyValueStorage, Session } from './types.js';

/** Refresh this long before the token runs out (or a tenth of its life, when that is shorter). */
const REFRESH_AHEAD_MS = 60_000;
/** After a refresh that could not reach the server, try again this soon. */
const RETRY_MS = 5000;

/** The session a login's or a refresh's answer makes, its lifetimes turned into instants (Unix ms). */
function sessionOf(userId: string, answer: RefreshAnswer): Session {
  const now = Date.now();
  return {
    token: answer.token,
    user_id: userId,
    refresh_token: answer.refresh_token,
    expires_at: now + answer.expires_in * 1000,
    refresh_expires_at: now + answer.refresh_expires_in * 1000,
  };
}

type Locks = { request<T>(name: string, callback: () => Promise<T>): Promise<T> };

/**
 * The logged-in session: kept in storage, refreshed by itself before its token runs out, and refreshed on
 * demand (a 401 or a 4001 from the server) — once at a time. In a browser, tabs share the storage and take
 * turns through the Web Locks API, so two tabs never present the same refresh token (which the server takes
 * for a stolen copy): the second tab finds the first one's new session in storage and adopts it.
 */
export class SessionKeeper {
  private value: Session | null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: Promise<boolean> | undefined;

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly key: string,
    private readonly refreshCall: (refreshToken: string) => Promise<RefreshAnswer>,
    /** The session ended for good (refresh refused): log in again. */
    private readonly onEnded: () => void,
    /** A new token is in place (the socket re-authenticates with it when it must). */
    private readonly onRenewed: (session: Session) => void,
  ) {
    this.value = this.load();
    this.schedule();
  }

  get current(): Session | null {
    return this.value;
  }

  /** A login's answer (or a session made elsewhere) becomes the session. */
  adopt(answer: LoginAnswer | Session): Session {
    const session: Session =
      'expires_at' in answer || !('expires_in' in answer)
        ? { ...(answer as Session) }
        : sessionOf(answer.user_id, answer);
    this.store(session);
    return session;
  }

  /** Forget the session (logout, or it ended). */
  clear(): void {
    clearTimeout(this.timer);
    this.value = null;
    this.storage.removeItem(this.key);
  }

  /**
   * Gets a new token now. Resolves true when one is in place, false when the session has ended (the server
   * refused the refresh token, or there is none); rejects when the server could not be reached.
   */
  refresh(): Promise<boolean> {
    this.inFlight ??= this.withLock(() => this.refreshNow()).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async refreshNow(): Promise<boolean> {
    const mine = this.value;
    // Another tab may have refreshed meanwhile: its session is in the shared storage.
    const stored = this.load();
    if (mine && stored && stored.user_id === mine.user_id && stored.refresh_token !== mine.refresh_token) {
      this.value = stored;
      this.schedule();
      if (!this.expiresSoon(stored)) {
        this.onRenewed(stored);
        return true;
      }
    }
    const session = this.value;
    if (!session?.refresh_token) return this.end();
    let answer: RefreshAnswer;
    try {
      answer = await this.refreshCall(session.refresh_token);
    } catch (err) {
      if (err instanceof PapoError && err.code === 'unauthenticated') return this.end();
      this.retrySoon();
      throw err;
    }
    const next = sessionOf(session.user_id, answer);
    this.store(next);
    this.onRenewed(next);
    return true;
  }

  private end(): boolean {
    this.clear();
    this.onEnded();
    return false;
  }

  private expiresSoon(session: Session): boolean {
    return session.expires_at !== undefined && session.expires_at - Date.now() < REFRESH_AHEAD_MS / 2;
  }

  private store(session: Session): void {
    this.value = session;
    this.storage.setItem(this.key, JSON.stringify(session));
    this.schedule();
  }

  /** The next refresh, ahead of the token's expiry. */
  private schedule(): void {
    clearTimeout(this.timer);
    const session = this.value;
    if (!session?.refresh_token || session.expires_at === undefined) return;
    const life = session.expires_at - Date.now();
    const ahead = Math.min(REFRESH_AHEAD_MS, Math.max(0, life) / 10);
    this.arm(Math.max(1000, life - ahead));
  }

  private retrySoon(): void {
    this.arm(RETRY_MS);
  }

  private arm(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.refresh().catch(() => {});
    }, delayMs);
    // In Node a pending refresh must not keep the process alive.
    (this.timer as { unref?: () => void }).unref?.();
  }

  private withLock<T>(work: () => Promise<T>): Promise<T> {
    const locks = (globalThis as { navigator?: { locks?: Locks } }).navigator?.locks;
    return locks ? locks.request(`${this.key}:refresh`, work) : work();
  }

  private load(): Session | null {
    try {
      const raw = this.storage.getItem(this.key);
      const parsed = raw ? (JSON.parse(raw) as Session) : null;
      return parsed && typeof parsed.token === 'string' && typeof parsed.user_id === 'string' ? parsed : null;
    } catch {
      return null;
    }
  }
}
