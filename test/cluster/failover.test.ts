import type { PapoClient } from '@papo/client';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { type RedisCluster, redisCommand, startRedisCluster } from '../helpers/redis-cluster.js';
import { type ServerProcess, startServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';
import { onlineClient } from '../sdk/sdk-helpers.js';

/**
 * Three Papo instances on a Redis Cluster (3 masters + 3 replicas); SDK clients on every instance talk in
 * chats spread over the shards while the master of one chat's slot is SIGKILLed and its replica takes over.
 */
let cluster: RedisCluster;
let servers: ServerProcess[];

beforeAll(async () => {
  cluster = await startRedisCluster();
  servers = await Promise.all(
    [0, 1, 2].map(() =>
      startServer({
        clusterNodes: cluster.spec,
        workers: 1,
        // The whole run's traffic comes from four users: the message limit must not be what refuses sends.
        env: { RATE_LIMIT_MESSAGES: '100000', REDIS_COMMAND_TIMEOUT_MS: '2000' },
      }),
    ),
  );
}, 90_000);

afterAll(async () => {
  await Promise.all((servers ?? []).map((s) => s.stop()));
  await cluster?.stop();
});

/** The SDK's view of a chat, for a failure message: its connection, position, held ids, fill in progress. */
function sdkState(client: PapoClient, chatId: string): string {
  const log = (client as unknown as { logs: Map<string, Record<string, unknown>> }).logs.get(chatId);
  const waiting = log?.waiting instanceof Map ? [...log.waiting.keys()] : [];
  return JSON.stringify({ state: client.state, position: log?.position, filling: log?.filling, waiting });
}

async function slotOf(key: string): Promise<number> {
  return Number(await redisCommand(cluster.nodes.find((n) => n.running())!.port, ['CLUSTER', 'KEYSLOT', key]));
}

describe('a Redis Cluster failover under traffic', () => {
  it('every message sent is stored once, ids stay 1..n without gap or repeat, every client ends in sync', async () => {
    expect(servers[0]!.logs().find((l) => l.msg === 'papo ready')?.redis).toMatch(/^cluster /);
    onTestFailed(() => {
      for (const server of servers) {
        const notable = server.logs().filter((l) => (l.level ?? 0) >= 40 && l.msg !== 'redis error');
        console.log(`server ${server.port}:`, JSON.stringify(notable.slice(-20)));
      }
    });
    const names = ['Ana', 'Bia', 'Caio', 'Duda'];
    const clients: PapoClient[] = [];
    for (const [i, name] of names.entries()) clients.push(await onlineClient(servers[i % servers.length]!.url, name));
    const [ana, bia] = clients as [PapoClient, PapoClient];

    // Chats enough to land on every shard; everyone in each; plus a DM across instances.
    const chatIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { chat_id: chatId } = await ana.createPublicChat(`room ${i}`);
      for (const client of clients.slice(1)) await client.joinChat(chatId);
      chatIds.push(chatId);
    }
    const dm = await ana.createDm(bia.userId!);
    const dmId = dm.chat_id;
    await waitFor(
      async () => bia.chats(),
      (chats) => chats.some((c) => c.chat_id === dmId),
      { what: 'the DM in Bia’s list' },
    );

    // Kill the master serving the first chat's slot: its messages, ids and channel all live there.
    const victimSlot = await slotOf(`chat:{${chatIds[0]}}`);
    const victim = await cluster.masterOfSlot(victimSlot);

    const sent = new Map<string, string[]>(); // chat → bodies, in send order
    let n = 0;
    const sendOne = () => {
      const sender = clients[n % clients.length]!;
      const chatId = n % 7 === 6 ? dmId : chatIds[n % chatIds.length]!;
      const from = chatId === dmId ? (n % 2 === 0 ? ana : bia) : sender;
      const body = `m${n} from ${from.userId}`;
      from.send(chatId, body);
      if (!sent.has(chatId)) sent.set(chatId, []);
      sent.get(chatId)!.push(body);
      n++;
    };
    const timer = setInterval(sendOne, 20);
    await new Promise((r) => setTimeout(r, 1500));
    const { failoverMs, promoted } = await cluster.killMaster((node) => node.port === victim.port);
    expect(promoted.port).not.toBe(victim.port);
    await new Promise((r) => setTimeout(r, 1500)); // traffic goes on after the failover
    clearInterval(timer);
    // The instances did see the master go (not a failover that happened beside the traffic).
    const noticed = servers.filter((s) => s.logs().some((l) => l.msg === 'redis error')).length;
    console.log(`failover in ${failoverMs} ms; ${n} messages sent; ${noticed} of 3 instances saw Redis errors`);
    expect(noticed).toBeGreaterThan(0);

    // Every outbox drains: each send was acknowledged in the end (the SDK re-sends `internal` ones by
    // client_msg_id, which the server answers with the first id when it had stored it).
    await waitFor(
      async () => clients.map((c) => c.outbox().length),
      (left) => left.every((x) => x === 0),
      { what: 'every outbox to drain', timeoutMs: 45_000 },
    ).catch((err: Error) => {
      const left = clients.map((c) => ({
        state: c.state,
        outbox: Object.entries(
          c.outbox().reduce<Record<string, number>>((by, e) => {
            by[e.state] = (by[e.state] ?? 0) + 1;
            return by;
          }, {}),
        ),
        first: c.outbox()[0],
      }));
      const errors = servers.map((sv) => {
        const failed = sv.logs().filter((l) => l.msg === 'action failed');
        const last = failed.at(-1);
        return {
          port: sv.port,
          failures: failed.length,
          lastAgoMs: last ? Date.now() - Number(last.time) : null,
          lastErr: last ? (last.err as { message?: string })?.message : null,
          other: sv
            .logs()
            .filter((l) => (l.level ?? 0) >= 40 && l.msg !== 'action failed' && l.msg !== 'redis error')
            .slice(-5)
            .map((l) => `${l.msg} ${JSON.stringify(l.err ?? '')}`),
        };
      });
      throw new Error(`${err.message}\n${JSON.stringify(left)}\n${JSON.stringify(errors).slice(0, 6000)}`);
    });

    // One more message in every chat: a client that missed messages while its worker's subscription moved
    // to the promoted replica sees the id skip and fetches the gap (`sync`), as the contract says.
    for (const [chatId, bodies] of sent) {
      ana.send(chatId, 'after');
      bodies.push('after');
    }

    for (const [chatId, bodies] of sent) {
      const readers = chatId === dmId ? [ana, bia] : clients;
      for (const reader of readers) {
        await waitFor(
          async () => reader.messages(chatId).length,
          (count) => count >= bodies.length,
          { what: `${bodies.length} messages of ${chatId} at ${reader.userId}`, timeoutMs: 20_000 },
        ).catch(async (err: Error) => {
          const channel = `broadcast:chat:{${chatId}}`;
          const counts = await Promise.all(
            (await cluster.masters()).map(async (m) => [
              m.port,
              await redisCommand(m.port, ['PUBSUB', 'SHARDNUMSUB', channel]),
            ]),
          );
          const slot = await slotOf(channel);
          const owner = (await cluster.masterOfSlot(slot)).port;
          throw new Error(
            `${err.message}; victim ${victim.port}; slot ${slot} on ${owner}; subscribers ${JSON.stringify(counts)}; ids ${reader
              .messages(chatId)
              .map((m) => m.id)
              .join(',')}; sdk ${sdkState(reader, chatId)}; warnings ${JSON.stringify(
              servers.map((sv) =>
                sv
                  .logs()
                  .filter((l) => (l.level ?? 0) >= 40 && l.msg !== 'redis error')
                  .slice(-8),
              ),
            )}`,
          );
        });
      }
      // The server's history: ids 1..n, every body exactly once (nothing lost, nothing stored twice).
      const stored = (await ana.sync(chatId, 0, 100)).messages;
      expect(stored.length).toBeLessThan(100);
      expect(stored.map((m) => m.id)).toEqual(stored.map((_, i) => i + 1));
      expect(new Set(stored.map((m) => m.body)).size).toBe(stored.length);
      expect([...stored.map((m) => m.body)].sort()).toEqual([...bodies].sort());
      // Every member's client ends with the same messages, each once, in id order.
      for (const reader of readers) {
        expect(reader.messages(chatId).map((m) => m.id)).toEqual(stored.map((m) => m.id));
      }
    }
  }, 120_000);
});
