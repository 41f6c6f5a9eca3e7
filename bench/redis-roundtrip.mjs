#!/usr/bin/env node
// What one Redis round trip costs the client process on this machine, in CPU: the floor under any server that
// stores each message in Redis before it acknowledges it. Each figure is the median of 5 rounds of N
// sequential round trips (one in flight at a time, as at a moderate load, where nothing batches).
//
//   node bench/redis-roundtrip.mjs [N]
//
// `ioredis SET` and `ioredis EVALSHA` go through the client Papo uses; `raw socket SET` writes RESP bytes to a
// net.Socket and waits for the reply, the least any client can do. `socket write` is one write of a small frame
// to a loopback TCP socket whose peer reads it, what a server pays per delivered frame.
import { connect, createServer } from 'node:net';
import { Redis } from 'ioredis';
import { startRedis } from './lib/procs.mjs';

const N = Number(process.argv[2] ?? 20_000);
const ROUNDS = 5;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** µs of this process's CPU (user, system) per operation; `op` returns a promise for one round trip. */
async function measure(op) {
  for (let i = 0; i < 1000; i++) await op();
  const user = [];
  const system = [];
  for (let round = 0; round < ROUNDS; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < N; i++) await op();
    const used = process.cpuUsage(before);
    user.push(used.user / N);
    system.push(used.system / N);
  }
  return { user: median(user), system: median(system) };
}

const redis = await startRedis();
const results = [];
try {
  const port = Number(new URL(redis.url).port);
  const client = new Redis(redis.url);
  client.defineCommand('setScript', { numberOfKeys: 1, lua: "return redis.call('SET', KEYS[1], ARGV[1])" });
  results.push(['ioredis SET', await measure(() => client.set('k', 'v'))]);
  results.push(['ioredis EVALSHA', await measure(() => client.setScript('k', 'v'))]);
  client.disconnect();

  const raw = connect(port, '127.0.0.1');
  raw.setNoDelay(true);
  await new Promise((resolve) => raw.once('connect', resolve));
  let pending;
  raw.on('data', () => pending?.());
  const command = Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n');
  results.push([
    'raw socket SET',
    await measure(
      () =>
        new Promise((resolve) => {
          pending = resolve;
          raw.write(command);
        }),
    ),
  ]);
  raw.destroy();

  // One-way writes to a reading peer, paced by a small ack every 100 so the peer keeps up.
  const server = createServer((socket) => {
    let seen = 0;
    socket.on('data', (chunk) => {
      seen += chunk.length;
      while (seen >= 2_000) {
        seen -= 2_000;
        socket.write('k');
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const writer = connect(server.address().port, '127.0.0.1');
  writer.setNoDelay(true);
  await new Promise((resolve) => writer.once('connect', resolve));
  const frame = Buffer.alloc(20, 'x');
  let acked;
  writer.on('data', () => acked?.());
  let sent = 0;
  const perWrite = await measure(() => {
    writer.write(frame);
    if (++sent % 100 !== 0) return undefined;
    return new Promise((resolve) => {
      acked = resolve;
    });
  });
  results.push(['socket write (no reply)', perWrite]);
  writer.destroy();
  server.close();
} finally {
  await redis.stop();
}

console.log(`Client CPU per operation, µs (median of ${ROUNDS} rounds of ${N.toLocaleString('en')}):`);
console.log(`${'operation'.padEnd(26)}${'user'.padStart(8)}${'system'.padStart(8)}${'total'.padStart(8)}`);
for (const [name, { user, system }] of results) {
  console.log(
    `${name.padEnd(26)}${user.toFixed(1).padStart(8)}${system.toFixed(1).padStart(8)}${(user + system).toFixed(1).padStart(8)}`,
  );
}
