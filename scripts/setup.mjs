// What `npm start` and `npm test` do first: install what is missing, then build what is out of date, saying
// what they do. A second start with nothing changed installs and builds nothing.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

export function say(text) {
  console.log(`papo: ${text}`);
}

/** Runs a command in the repository, showing its output; exits with its status should it fail. */
export function run(command, args, what) {
  const started = Date.now();
  say(`${what}…`);
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`papo: ${what} failed (${command} ${args.join(' ')}).`);
    process.exit(result.status ?? 1);
  }
  say(`${what}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * `npm ci` on a fresh clone (exactly the lock file), `npm install` when the lock file changed since the last
 * install (a pull that added a dependency); nothing when node_modules is up to date.
 */
export function ensureInstalled() {
  const lock = join(ROOT, 'package-lock.json');
  const installed = join(ROOT, 'node_modules', '.package-lock.json');
  if (!existsSync(installed)) {
    run(npm, ['ci', '--no-audit', '--no-fund'], 'installing dependencies (first run)');
  } else if (existsSync(lock) && statSync(lock).mtimeMs > statSync(installed).mtimeMs) {
    run(npm, ['install', '--no-audit', '--no-fund'], 'installing dependencies (package-lock.json changed)');
  }
}

/** Every file under `dir` (skipping build output and dependencies), as paths relative to the repository. */
function filesUnder(dir) {
  const out = [];
  const walk = (path) => {
    if (!existsSync(path)) return;
    if (statSync(path).isFile()) return void out.push(relative(ROOT, path));
    for (const entry of readdirSync(path).sort()) {
      if (entry === 'node_modules' || entry === 'dist' || entry.endsWith('.tsbuildinfo')) continue;
      walk(join(path, entry));
    }
  };
  walk(join(ROOT, dir));
  return out;
}

/** What the web client's bundle is made of: its own sources, the packages it imports, the lock file. */
const WEB_INPUTS = ['packages/web', 'packages/protocol/src', 'packages/client/src', 'package-lock.json'];
const WEB_STAMP = join(ROOT, 'packages/web/dist/.inputs-sha256');

function webInputsHash() {
  const hash = createHash('sha256');
  for (const file of WEB_INPUTS.flatMap(filesUnder)) {
    if (file.startsWith('packages/web/test/')) continue; // tests are not in the bundle
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(ROOT, file)))
      .update('\0');
  }
  return hash.digest('hex');
}

/**
 * The server and the SDK with `tsc -b` (incremental: it compiles only what changed, in about a second when
 * nothing did), then the web client with Vite unless the bundle was built from exactly these sources (a hash
 * of them is kept beside it). `force` rebuilds the web client whatever the hash says.
 */
export function build({ force = false } = {}) {
  run(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'packages/server', 'packages/client'],
    'building the server and the SDK (incremental)',
  );
  const hash = webInputsHash();
  const built = existsSync(join(ROOT, 'packages/web/dist/index.html')) && existsSync(WEB_STAMP);
  if (!force && built && readFileSync(WEB_STAMP, 'utf8').trim() === hash) {
    say('web client up to date (packages/web/dist), not rebuilt');
    return;
  }
  run(npm, ['run', '--silent', 'build', '-w', '@papo/web'], 'building the web client (Vite)');
  writeFileSync(WEB_STAMP, `${hash}\n`);
}
