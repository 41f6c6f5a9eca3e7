import { readFile } from 'node:fs/promises';

/** What a WebM says of itself: its duration (ms) and a video's size, where it says them. */
export type WebmFacts = { durationMs?: number; width?: number; height?: number };

/**
 * The duration of a WebM file, from its blocks' timecodes, and a video track's size. What a browser's
 * MediaRecorder writes (every voice note, and a video recorded in the browser) has no Duration in its Info and
 * Segment and Clusters of unknown size, which music-metadata cannot read: this walks the EBML elements instead,
 * entering the containers that matter and skipping the rest by size. Empty when the bytes are no WebM it can
 * follow.
 */
export async function webmFacts(file: string): Promise<WebmFacts> {
  try {
    return webmFactsOf(await readFile(file));
  } catch {
    // Bytes that end inside an element: nothing read, as for any container the server cannot read.
    return {};
  }
}

const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const CLUSTER = 0x1f43b675;
const BLOCK_GROUP = 0xa0;
const TIMECODE_SCALE = 0x2ad7b1;
const DURATION = 0x4489;
const CLUSTER_TIMECODE = 0xe7;
const SIMPLE_BLOCK = 0xa3;
const BLOCK = 0xa1;
const TRACKS = 0x1654ae6b;
const TRACK_ENTRY = 0xae;
const VIDEO = 0xe0;
const PIXEL_WIDTH = 0xb0;
const PIXEL_HEIGHT = 0xba;
/** Entered rather than skipped: their children are what is read. */
const CONTAINERS = new Set([SEGMENT, INFO, CLUSTER, BLOCK_GROUP, TRACKS, TRACK_ENTRY, VIDEO]);
/** An Opus frame, the usual last block's length (a voice note's last block is not followed by another). */
const LAST_FRAME_MS = 20;

/** A variable-length integer at `at`: its value (marker bit removed, or kept for ids) and length. */
function vint(buf: Buffer, at: number, keepMarker: boolean): { value: number; length: number; unknown: boolean } {
  const first = buf[at];
  if (first === undefined || first === 0) return { value: -1, length: 0, unknown: false };
  const length = Math.clz32(first) - 23;
  if (at + length > buf.length) return { value: -1, length: 0, unknown: false };
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    const byte = buf[at + i]!;
    value = value * 256 + byte;
    allOnes &&= byte === 0xff;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

function readUint(buf: Buffer, at: number, size: number): number {
  let value = 0;
  for (let i = 0; i < size; i++) value = value * 256 + buf[at + i]!;
  return value;
}

export function webmFactsOf(buf: Buffer): WebmFacts {
  if (buf.length < 4 || buf.readUInt32BE(0) !== 0x1a45dfa3) return {};
  const facts: WebmFacts = {};
  let scaleNs = 1_000_000;
  let declared: number | undefined;
  let clusterTime = 0;
  let lastBlock = -1;
  let at = 0;
  while (at < buf.length) {
    const id = vint(buf, at, true);
    if (id.length === 0) break;
    const size = vint(buf, at + id.length, false);
    if (size.length === 0) break;
    const data = at + id.length + size.length;
    if (CONTAINERS.has(id.value)) {
      at = data;
      continue;
    }
    // An element of unknown size that is no container cannot be skipped: stop with what was read.
    if (size.unknown || data + size.value > buf.length) break;
    if (id.value === TIMECODE_SCALE) scaleNs = readUint(buf, data, size.value);
    else if (id.value === PIXEL_WIDTH) facts.width ??= readUint(buf, data, size.value);
    else if (id.value === PIXEL_HEIGHT) facts.height ??= readUint(buf, data, size.value);
    else if (id.value === DURATION) declared = size.value === 4 ? buf.readFloatBE(data) : buf.readDoubleBE(data);
    else if (id.value === CLUSTER_TIMECODE) clusterTime = readUint(buf, data, size.value);
    else if (id.value === SIMPLE_BLOCK || id.value === BLOCK) {
      const track = vint(buf, data, false);
      const relative = buf.readInt16BE(data + track.length);
      lastBlock = Math.max(lastBlock, clusterTime + relative);
    }
    at = data + size.value;
  }
  if (declared !== undefined && declared > 0) facts.durationMs = Math.round((declared * scaleNs) / 1e6);
  else if (lastBlock >= 0) facts.durationMs = Math.round((lastBlock * scaleNs) / 1e6) + LAST_FRAME_MS;
  return facts;
}
