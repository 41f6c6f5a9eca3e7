import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { onTeardown } from './teardown.js';

/** A client for checking what the server wrote; quit after the file. Default: the run's shared Redis. */
export function redisClient(url: string = inject('redisUrl')): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: false });
  redis.on('error', () => {
    // restarts in the Redis-restart test make this client reconnect; commands surface real failures
  });
  onTeardown(() => redis.quit().catch(() => redis.disconnect()));
  return redis;
}

/** Key names as the server writes them: chat-scoped ones with the chat id in literal braces (a hash tag). */
export const keys = {
  user: (userId: string) => `user:${userId}`,
  onlineUsers: 'presence:online_users',
  token: (token: string) => `token:${token}`,
  lastSeen: (userId: string) => `last_seen:${userId}`,
  chat: (chatId: string) => `chat:{${chatId}}`,
  members: (chatId: string) => `chat:{${chatId}}:members`,
  messages: (chatId: string) => `chat:{${chatId}}:messages`,
  reads: (chatId: string) => `chat:{${chatId}}:reads`,
  mute: (chatId: string) => `chat:{${chatId}}:mute`,
  userChats: (userId: string) => `user_chats:${userId}`,
  dm: (a: string, b: string) => (a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`),
  publicChats: 'chats:public',
  typing: (chatId: string, userId: string) => `typing:{${chatId}}:${userId}`,
  rateMsg: (userId: string) => `rate:msg:${userId}`,
  chatChannel: (chatId: string) => `broadcast:chat:{${chatId}}`,
  // The user channel's hash tag is the user's chat-list key (one slot with it, see store/keys.ts).
  userChannel: (userId: string) => `broadcast:user:{user_chats:${userId}}`,
  presenceConns: (userId: string) => `presence:conns:{${userId}}`,
};

/** The stored messages of a chat, parsed. */
export async function storedMessages(redis: Redis, chatId: string): Promise<Array<Record<string, unknown>>> {
  const raw = await redis.lrange(keys.messages(chatId), 0, -1);
  return raw.map((item) => JSON.parse(item) as Record<string, unknown>);
}
