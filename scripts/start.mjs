#!/usr/bin/env node
// `npm start`: install what is missing, build what is out of date, and run the server (which starts its own
// redis-server when REDIS_URL is unset). One command from a fresh clone; a few seconds when nothing changed.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { build, ensureInstalled, ROOT, say } from './setup.mjs';

ensureInstalled();
build();

if (!process.env.REDIS_URL && !process.env.REDIS_CLUSTER_NODES && spawnSync('redis-server', ['--version']).error) {
  console.error(
    'papo: REDIS_URL is unset and redis-server is not installed.\n' +
      '  Install it:  sudo apt-get install redis-server   (macOS: brew install redis)\n' +
      '  or point Papo at a Redis you run:  REDIS_URL=redis://host:6379 npm start',
  );
  process.exit(1);
}

say('starting the server (it prints where to open it once it is ready; Ctrl-C stops it)');
const server = spawn(process.execPath, [join(ROOT, 'packages/server/dist/main.js')], { cwd: ROOT, stdio: 'inherit' });
// Ctrl-C reaches the whole process group, the server included, which stops in order by itself; a signal sent
// to this process alone (kill, a process manager) is passed on.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
