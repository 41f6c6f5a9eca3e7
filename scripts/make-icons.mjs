#!/usr/bin/env node
// The web app manifest's PNG icons, drawn once from packages/web/public/favicon.svg and committed (run again only
// when the logo changes): `node scripts/make-icons.mjs`. sharp is the server's image library (libvips inside its
// npm package), so this needs nothing more.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { ROOT } from './setup.mjs';

const PUBLIC = join(ROOT, 'packages/web/public');
const logo = readFileSync(join(PUBLIC, 'favicon.svg'));
/** The app's green (--green, the manifest's theme_color). */
const GREEN = '#00a884';
/** The logo's white speech bubble alone (favicon.svg's path), filling its box. */
const BUBBLE = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="14 12 36 36"><path d="M18 44l3-9a15 15 0 1 1 6 6z" fill="#fff"/></svg>',
);

/** The logo alone (its own green disc), transparent around it. */
async function plain(size, file) {
  await write(sharp(logo, { density: (72 * size) / 64 }).resize(size, size), file);
}

/**
 * A maskable icon: the platform crops it to its own shape (circle, squircle…), keeping for sure only the central
 * circle of 80% of the width. So the green goes to the edges and the speech bubble is drawn in the middle half
 * (its corners stay inside that circle).
 */
async function maskable(size, file) {
  const inner = Math.round(size * 0.5);
  const mark = await sharp(BUBBLE, { density: (72 * inner) / 36 })
    .resize(inner, inner)
    .png()
    .toBuffer();
  const disc = sharp({ create: { width: size, height: size, channels: 4, background: GREEN } });
  await write(disc.composite([{ input: mark, gravity: 'center' }]), file);
}

/**
 * The small monochrome badge Android shows in the status bar, where only the alpha counts: the logo's speech
 * bubble alone (its disc would be a plain dot), white on transparent.
 */
async function badge(size, file) {
  await write(sharp(BUBBLE, { density: (72 * size) / 36 }).resize(size, size), file);
}

/** A PNG into packages/web/public, as small as zlib makes it. */
async function write(image, file) {
  await image.png({ compressionLevel: 9 }).toFile(join(PUBLIC, file));
  console.log(`wrote packages/web/public/${file}`);
}

await plain(192, 'icon-192.png');
await plain(512, 'icon-512.png');
await maskable(512, 'icon-maskable-512.png');
await badge(96, 'badge-96.png');
