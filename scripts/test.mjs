#!/usr/bin/env node
// `npm test`: install what is missing, build what is out of date, lint, then the whole suite (Vitest). Arguments
// go to Vitest: `npm test -- test/messages.test.ts`.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { browserProblem } from './chromium.mjs';
import { build, ensureInstalled, npm, ROOT, run, say } from './setup.mjs';

ensureInstalled();
build();
run(npm, ['run', '--silent', 'lint'], 'linting (Biome, and tsc on the tests)');

// Said before and after the run: the browser tests fail without Chromium, each with this same line.
const missingBrowser = browserProblem();
if (missingBrowser) console.error(`papo: ${missingBrowser}`);
say('running the tests (Vitest; a real redis-server, real sockets and a real Chromium)…');
const vitest = join(ROOT, 'node_modules/vitest/vitest.mjs');
const result = spawnSync(process.execPath, [vitest, 'run', ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' });
if (missingBrowser) console.error(`papo: ${missingBrowser}`);
process.exit(result.status ?? 1);
