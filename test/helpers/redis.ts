import { Cluster, Redis } from 'ioredis';
import { inject } from 'vitest';
import { onTeardown } from './teardown.js';

/** True in the `cluster` project: the servers of the run use a Redis Cluster. */
export const onCluster = Boolean(inject('redisClusterNodes'));

/**
 * A client for checking what the server wrote; quit after the file. Default: the run's shared Redis, or its
 * Redis Cluster in the `cluster` project (ioredis' Cluster client, typed as a single Redis's: the same
 * commands, routed by key).
 */
export function redisClient(url?: string): Redis {
  const clusterNodes = inject('redisClusterNodes');
  const redis =
    url === undefined && clusterNodes
      ? (new Cluster(
          clusterNodes.split(',').map((address) => {
            const [host, port] = address.split(':');
            return { host: host!, port: Number(port) };
          }),
          { redisOptions: { maxRetriesPerRequest: 2 }, shardedSubscribers: true },
        ) as unknown as Redis)
      : new Redis(url ?? inject('redisUrl'), { maxRetriesPerRequest: 2, lazyConnect: false });
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
  roles: (chatId: string) => `chat:{${chatId}}:roles`,
  joined: (chatId: string) => `chat:{${chatId}}:joined`,
  received: (chatId: string) => `chat:{${chatId}}:received`,
  readMarks: (chatId: string) => `chat:{${chatId}}:read_marks`,
  receivedMarks: (chatId: string) => `chat:{${chatId}}:received_marks`,
  readTimes: (chatId: string) => `chat:{${chatId}}:read_times`,
  receivedTimes: (chatId: string) => `chat:{${chatId}}:received_times`,
  userChats: (userId: string) => `user_chats:${userId}`,
  dm: (a: string, b: string) => (a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`),
  publicChats: 'chats:public',
  typing: (chatId: string, userId: string) => `typing:{${chatId}}:${userId}`,
  rateMsg: (userId: string) => `rate:msg:${userId}`,
  chatChannel: (chatId: string) => `broadcast:chat:{${chatId}}`,
  // The user channel's hash tag is the user's chat-list key (one slot with it, see store/keys.ts).
  userChannel: (userId: string) => `broadcast:user:{user_chats:${userId}}`,
  presenceConns: (userId: string) => `presence:conns:{${userId}}`,
  presenceHidden: (userId: string) => `presence:hidden:{${userId}}`,
  loginCode: (address: string) => `login_code:{${address}}`,
  loginUser: (address: string) => `login_user:${address}`,
  session: (sessionId: string) => `session:${sessionId}`,
  userSessions: (userId: string) => `user_sessions:${userId}`,
  temporaryAccounts: 'accounts:temporary',
  chatMedia: (chatId: string) => `chat:{${chatId}}:media`,
  chatMediaMessages: (chatId: string) => `chat:{${chatId}}:media_msgs`,
  media: (mediaId: string) => `media:{${mediaId}}`,
  mediaChats: (mediaId: string) => `media:{${mediaId}}:chats`,
  mediaCheck: 'media:check',
};

/** The stored messages of a chat, parsed. */
export async function storedMessages(redis: Redis, chatId: string): Promise<Array<Record<string, unknown>>> {
  const raw = await redis.lrange(keys.messages(chatId), 0, -1);
  return raw.map((item) => JSON.parse(item) as Record<string, unknown>);
}

/**
 * Subscribers of a sharded channel (SHARDNUMSUB). On a cluster each master counts only its own shard's
 * channels, so the count is summed over the masters.
 */
export async function shardSubscribers(redis: Redis, channel: string): Promise<number> {
  const client = redis as Redis | Cluster;
  const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
  const counts = await Promise.all(
    nodes.map(async (node) => {
      const [, count] = (await node.pubsub('SHARDNUMSUB', channel)) as [string, number];
      return Number(count);
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}
