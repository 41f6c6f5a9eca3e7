// Where the browser tests find Chromium, and the one line they fail with when it is not there.
import { existsSync } from 'node:fs';

/** PAPO_CHROMIUM (any Chromium or Chrome binary), else Debian's /usr/bin/chromium. */
export function chromiumPath() {
  return process.env.PAPO_CHROMIUM || '/usr/bin/chromium';
}

/** Why the browser tests cannot run, in one line, or undefined when they can. */
export function browserProblem() {
  const path = chromiumPath();
  if (existsSync(path)) return undefined;
  return process.env.PAPO_CHROMIUM
    ? `the browser tests need Chromium: PAPO_CHROMIUM=${path} does not exist`
    : `the browser tests need Chromium at ${path}: install it (Debian/Ubuntu: sudo apt-get install chromium), or point PAPO_CHROMIUM at a Chromium or Chrome binary (macOS: PAPO_CHROMIUM="/Applications/Google Chrome.app/Contents/MacOS/Google Chrome")`;
}
