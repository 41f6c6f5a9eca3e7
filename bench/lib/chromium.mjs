/** The Chromium the browser benches drive (Debian's; CHROME_PATH to use another) and the flags both give it. */
export const CHROME_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium';

/** A quiet browser: no GPU, no background traffic, no first-run pages (figures are the page's alone). */
export const CHROME_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
