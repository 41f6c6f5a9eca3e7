#!/usr/bin/env node
// `npm start`: install what is missing, build, and run the server (which starts its own redis-server when
// REDIS_URL is unset). One command from a fresh clone.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(args, what) {
  console.log(`papo: ${what}…`);
  const result = spawnSync(npm, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`papo: ${what} failed (npm ${args.join(' ')}).`);
    process.exit(result.status ?? 1);
  }
}

const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(installed).mtimeMs)) {
  run(['install', '--no-audit', '--no-fund'], 'installing dependencies');
}
run(['run', '--silent', 'build'], 'building');

if (!process.env.REDIS_URL && spawnSync('redis-server', ['--version']).error) {
  console.error(
    'papo: REDIS_URL is unset and redis-server is not installed.\n' +
      '  Install it:  sudo apt-get install redis-server   (macOS: brew install redis)\n' +
      '  or point Papo at a Redis you run:  REDIS_URL=redis://host:6379 npm start',
  );
  process.exit(1);
}

const port = process.env.PORT || '8080';
console.log(`papo: starting on http://localhost:${port} (WebSocket ws://localhost:${port}/ws); Ctrl-C stops it`);
const server = spawn(process.execPath, [join(root, 'packages/server/dist/main.js')], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
