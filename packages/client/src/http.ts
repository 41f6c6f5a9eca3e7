import type {
  ChatSummary,
  ErrorCode,
  LoginAnswer,
  LoginCodeBody,
  LoginVerifyBody,
  Message,
  PublicChatSummary,
  UserDetails,
  UserProfile,
} from '@papo/protocol';
import { PapoError } from './errors.js';

/** The HTTP half of the API: login and reads. */
export class HttpApi {
  constructor(
    private readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch,
    private readonly token: () => string | undefined,
  ) {}

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    const token = this.token();
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
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed ?? {}) as { error?: ErrorCode; message?: string; retry_after?: number };
      throw new PapoError(
        error.error ?? (response.status === 401 ? 'unauthenticated' : 'internal'),
        error.message ?? `HTTP ${response.status}`,
        error.retry_after,
      );
    }
    return parsed as T;
  }

  loginTemporary(username: string, avatarUrl?: string): Promise<LoginAnswer> {
    return this.call('POST', '/api/login', avatarUrl ? { username, avatar_url: avatarUrl } : { username });
  }

  requestCode(body: LoginCodeBody): Promise<{ sent: true; dev_code?: string }> {
    return this.call('POST', '/api/login/code', body);
  }

  verifyCode(body: LoginVerifyBody): Promise<LoginAnswer> {
    return this.call('POST', '/api/login/verify', body);
  }

  me(): Promise<UserProfile> {
    return this.call('GET', '/api/me');
  }

  async onlineUsers(): Promise<UserProfile[]> {
    return (await this.call<{ users: UserProfile[] }>('GET', '/api/users/online')).users;
  }

  user(userId: string): Promise<UserDetails> {
    return this.call('GET', `/api/users/${encodeURIComponent(userId)}`);
  }

  async chats(): Promise<ChatSummary[]> {
    return (await this.call<{ chats: ChatSummary[] }>('GET', '/api/chats')).chats;
  }

  async publicChats(): Promise<PublicChatSummary[]> {
    return (await this.call<{ chats: PublicChatSummary[] }>('GET', '/api/chats/public')).chats;
  }

  async history(chatId: string, options: { before?: number; limit?: number } = {}): Promise<Message[]> {
    const query = new URLSearchParams();
    if (options.before !== undefined) query.set('before', String(options.before));
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    const path = `/api/chats/${encodeURIComponent(chatId)}/messages${query.size ? `?${query}` : ''}`;
    return (await this.call<{ messages: Message[] }>('GET', path)).messages;
  }
}
