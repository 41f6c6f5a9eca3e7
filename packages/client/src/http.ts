import {
  type ChatInfo,
  type ChatSummary,
  type ChatsPage,
  type Contact,
  type ContactsPage,
  type ErrorCode,
  type InviteInfo,
  type InvitePreview,
  LIMITS,
  type LinkVerifyBody,
  type LoginAnswer,
  type LoginCodeAnswer,
  type LoginCodeBody,
  type LoginVerifyBody,
  type MediaLinksAnswer,
  type Message,
  type MessageReceipts,
  type MyProfile,
  type ProfileUpdateBody,
  type PublicChatSummary,
  type PublicChatsPage,
  type PushSubscriptionBody,
  type RefreshAnswer,
  type SessionInfo,
  type UserDetails,
  type UserProfile,
} from '@papo/protocol';
import { PapoError } from './errors.js';

export type PageOptions = { cursor?: string | undefined; limit?: number };
export type HistoryPage = { messages: Message[]; more?: true };

/** A bound on the pages one `chats()`/`publicChats()` walks (200 chats each), against a server that loops. */
const MAX_PAGES = 100;

function pageQuery({ cursor, limit }: PageOptions): string {
  const query = new URLSearchParams();
  if (cursor) query.set('cursor', cursor);
  if (limit !== undefined) query.set('limit', String(limit));
  return query.size ? `?${query}` : '';
}

/** Walks a paged list from its first page to its last; stops at MAX_PAGES or a cursor that does not move. */
async function allPages<T>(
  page: (cursor: string | undefined) => Promise<{ chats: T[]; next_cursor?: string | null }>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let n = 0; n < MAX_PAGES; n++) {
    const answer = await page(cursor);
    items.push(...answer.chats);
    // A server without pages answers once, with no next_cursor.
    if (!answer.next_cursor || answer.next_cursor === cursor) break;
    cursor = answer.next_cursor;
  }
  return items;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** An HTTP answer's JSON body, or the PapoError its error body (or bare status) says. */
export function parseAnswer<T>(status: number, text: string): T {
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (status < 200 || status > 299) {
    const error = (parsed ?? {}) as { error?: ErrorCode; message?: string; retry_after?: number };
    throw new PapoError(error.error ?? statusCode(status), error.message ?? `HTTP ${status}`, error.retry_after);
  }
  return parsed as T;
}

/** The error code of a bare status (a proxy's answer, with no JSON body). */
function statusCode(status: number): ErrorCode {
  if (status === 401) return 'unauthenticated';
  if (status === 413 || status === 400) return 'invalid_payload';
  if (status === 429) return 'rate_limited';
  if (status === 404) return 'not_found';
  return 'internal';
}

/**
 * The HTTP half of the API: login, sessions and reads. A call with the session's token that meets a 401 (the
 * token ran out) refreshes the session once (`renew`) and tries again.
 */
export class HttpApi {
  constructor(
    private readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch,
    private readonly token: () => string | undefined,
    private readonly renew: () => Promise<boolean>,
  ) {}

  private async call<T>(method: Method, path: string, body?: unknown, retried = false): Promise<T> {
    const token = this.token();
    try {
      return await this.send<T>(method, path, body, token);
    } catch (err) {
      // A 401 to our token is a session to refresh; a code route's 401 is its own refusal (a wrong code), and
      // trying it again would spend another try.
      const expired = err instanceof PapoError && err.code === 'unauthenticated' && token && !path.includes('/login/');
      if (!expired || retried || !(await this.renew())) throw err;
      return this.call(method, path, body, true);
    }
  }

  private async send<T>(method: Method, path: string, body: unknown, token: string | undefined): Promise<T> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new PapoError('internal', `The server cannot be reached (${(err as Error).message}).`);
    }
    return parseAnswer<T>(response.status, await response.text());
  }

  loginTemporary(username: string, avatarUrl?: string): Promise<LoginAnswer> {
    return this.send('POST', '/api/login', avatarUrl ? { username, avatar_url: avatarUrl } : { username }, undefined);
  }

  requestCode(body: LoginCodeBody): Promise<LoginCodeAnswer> {
    return this.send('POST', '/api/login/code', body, undefined);
  }

  verifyCode(body: LoginVerifyBody): Promise<LoginAnswer> {
    return this.send('POST', '/api/login/verify', body, undefined);
  }

  refresh(refreshToken: string): Promise<RefreshAnswer> {
    return this.send('POST', '/api/token/refresh', { refresh_token: refreshToken }, undefined);
  }

  /** Ends the session of `token` (the one given, not the current: it may already be forgotten). */
  logout(token: string): Promise<void> {
    return this.send('POST', '/api/logout', undefined, token);
  }

  async sessions(): Promise<SessionInfo[]> {
    return (await this.call<{ sessions: SessionInfo[] }>('GET', '/api/sessions')).sessions;
  }

  endSession(sessionId: string): Promise<void> {
    return this.call('DELETE', `/api/sessions/${encodeURIComponent(sessionId)}`);
  }

  async endOtherSessions(): Promise<number> {
    return (await this.call<{ ended: number }>('DELETE', '/api/sessions')).ended;
  }

  requestLinkCode(body: LoginCodeBody): Promise<LoginCodeAnswer> {
    return this.call('POST', '/api/me/login/code', body);
  }

  verifyLinkCode(body: LinkVerifyBody): Promise<MyProfile> {
    return this.call('POST', '/api/me/login/verify', body);
  }

  me(): Promise<MyProfile> {
    return this.call('GET', '/api/me');
  }

  lookupUser(login: { phone: string } | { email: string }): Promise<Contact> {
    const [key, value] = 'phone' in login ? ['phone', login.phone] : ['email', login.email];
    return this.call('GET', `/api/users/lookup?${key}=${encodeURIComponent(value)}`);
  }

  updateProfile(change: ProfileUpdateBody): Promise<MyProfile> {
    return this.call('PATCH', '/api/me', change);
  }

  /** Signed links for media the caller may get (POST /api/media/links); ids it may not get are left out. */
  mediaLinks(mediaIds: string[]): Promise<MediaLinksAnswer> {
    return this.call('POST', '/api/media/links', { media_ids: mediaIds });
  }

  async onlineUsers(): Promise<UserProfile[]> {
    return (await this.call<{ users: UserProfile[] }>('GET', '/api/users/online')).users;
  }

  user(userId: string): Promise<UserDetails> {
    return this.call('GET', `/api/users/${encodeURIComponent(userId)}`);
  }

  /** The server's VAPID public key (GET /api/push/key, no login needed). */
  async pushKey(): Promise<string> {
    return (await this.send<{ public_key: string }>('GET', '/api/push/key', undefined, undefined)).public_key;
  }

  /** Keep this device's push subscription (POST /api/push/subscriptions; the same endpoint again replaces it). */
  subscribePush(subscription: PushSubscriptionBody): Promise<void> {
    return this.call('POST', '/api/push/subscriptions', subscription);
  }

  /** Forget this device's push subscription (DELETE /api/push/subscriptions). */
  unsubscribePush(endpoint: string): Promise<void> {
    return this.call('DELETE', '/api/push/subscriptions', { endpoint });
  }

  /** A chat's info; for groups and DMs its members with their roles (GET /api/chats/:chat_id). */
  chatInfo(chatId: string): Promise<ChatInfo> {
    return this.call('GET', `/api/chats/${encodeURIComponent(chatId)}`);
  }

  /** Message info: who read and received a message, and when (its sender, or a group admin). */
  messageReceipts(chatId: string, messageId: number): Promise<MessageReceipts> {
    return this.call('GET', `/api/chats/${encodeURIComponent(chatId)}/messages/${messageId}/receipts`);
  }

  /** A group's live invites with who joined through each (admins and the owner). */
  async invites(chatId: string): Promise<InviteInfo[]> {
    return (await this.call<{ invites: InviteInfo[] }>('GET', `/api/chats/${encodeURIComponent(chatId)}/invites`))
      .invites;
  }

  /** What an invite code leads to (404 once it expired, was revoked or used up). */
  invitePreview(code: string): Promise<InvitePreview> {
    return this.call('GET', `/api/invites/${encodeURIComponent(code)}`);
  }

  async blocks(): Promise<UserProfile[]> {
    return (await this.call<{ users: UserProfile[] }>('GET', '/api/blocks')).users;
  }

  block(userId: string): Promise<void> {
    return this.call('POST', '/api/blocks', { user_id: userId });
  }

  unblock(userId: string): Promise<void> {
    return this.call('DELETE', `/api/blocks/${encodeURIComponent(userId)}`);
  }

  /** One page of the caller's chats (GET /api/chats); `next_cursor` is null on the last. */
  chatsPage(options: PageOptions = {}): Promise<ChatsPage> {
    return this.call('GET', `/api/chats${pageQuery(options)}`);
  }

  /** One page of the people who share a chat with the caller (GET /api/contacts). */
  contactsPage(options: PageOptions = {}): Promise<ContactsPage> {
    return this.call('GET', `/api/contacts${pageQuery(options)}`);
  }

  /** One page of the public chats, the newest first (GET /api/chats/public). */
  publicChatsPage(options: PageOptions = {}): Promise<PublicChatsPage> {
    return this.call('GET', `/api/chats/public${pageQuery(options)}`);
  }

  /** Every chat of the caller (all pages, at most MAX_PAGES), the most recently active first. */
  async chats(): Promise<ChatSummary[]> {
    const chats = await allPages((cursor) => this.chatsPage({ cursor, limit: LIMITS.chatsPageMax }));
    return chats.sort((a, b) => (b.last_message?.created_at ?? 0) - (a.last_message?.created_at ?? 0));
  }

  /** Every public chat (all pages, at most MAX_PAGES), the newest first. */
  publicChats(): Promise<PublicChatSummary[]> {
    return allPages((cursor) => this.publicChatsPage({ cursor, limit: LIMITS.chatsPageMax }));
  }

  async history(chatId: string, options: { before?: number; limit?: number } = {}): Promise<Message[]> {
    return (await this.historyPage(chatId, options)).messages;
  }

  /** A page of history; `more` when older messages remain (it may stop short of `limit` at its byte cap). */
  historyPage(chatId: string, options: { before?: number; limit?: number } = {}): Promise<HistoryPage> {
    const query = new URLSearchParams();
    if (options.before !== undefined) query.set('before', String(options.before));
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    const path = `/api/chats/${encodeURIComponent(chatId)}/messages${query.size ? `?${query}` : ''}`;
    return this.call('GET', path);
  }
}
