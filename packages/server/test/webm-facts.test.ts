import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { webmFactsOf } from '../src/media/webm-facts.js';

const webmDurationOf = (buf: Buffer) => webmFactsOf(buf).durationMs;

/** An EBML element: its id's bytes, a size (or the 8-byte "unknown"), then its data. */
function element(id: number[], data: Buffer, unknownSize = false): Buffer {
  // Sizes written on 8 bytes: the marker 0x01, then 7 bytes of value (all ones: unknown).
  const size = Buffer.alloc(8, unknownSize ? 0xff : 0);
  size[0] = 0x01;
  if (!unknownSize) size.writeUIntBE(data.length, 2, 6);
  return Buffer.concat([Buffer.from(id), size, data]);
}
const uint = (n: number, bytes: number) => {
  const b = Buffer.alloc(bytes);
  b.writeUIntBE(n, 0, bytes);
  return b;
};
/** A SimpleBlock of track 1 at `relative` ms from its cluster. */
const block = (relative: number) =>
  element([0xa3], Buffer.concat([Buffer.from([0x81]), uint(relative, 2), Buffer.from([0x80, 1, 2, 3])]));

describe('webmFactsOf', () => {
  const header = element([0x1a, 0x45, 0xdf, 0xa3], Buffer.from([0x42, 0x82, 0x84, 0x77, 0x65, 0x62, 0x6d]));

  it('reads a recording with no Duration and clusters of unknown size from its last block', () => {
    const info = element([0x15, 0x49, 0xa9, 0x66], element([0x2a, 0xd7, 0xb1], uint(1_000_000, 3)));
    const cluster = (time: number, blocks: Buffer[]) =>
      element([0x1f, 0x43, 0xb6, 0x75], Buffer.concat([element([0xe7], uint(time, 2)), ...blocks]), true);
    const segment = element(
      [0x18, 0x53, 0x80, 0x67],
      Buffer.concat([info, cluster(0, [block(0), block(980)]), cluster(1000, [block(0), block(500)])]),
      true,
    );
    expect(webmDurationOf(Buffer.concat([header, segment]))).toBe(1520);
  });

  it('takes the Duration a file declares', () => {
    const duration = Buffer.alloc(8);
    duration.writeDoubleBE(4321.5);
    const info = element(
      [0x15, 0x49, 0xa9, 0x66],
      Buffer.concat([element([0x2a, 0xd7, 0xb1], uint(1_000_000, 3)), element([0x44, 0x89], duration)]),
    );
    expect(webmDurationOf(Buffer.concat([header, element([0x18, 0x53, 0x80, 0x67], info)]))).toBe(4322);
  });

  it('reads a voice note Chromium recorded (MediaRecorder, audio/webm;codecs=opus, about 2.4 s)', () => {
    const recorded = readFileSync(new URL('../../../test/fixtures/voice-note.webm', import.meta.url));
    expect(webmDurationOf(recorded)).toBe(2420);
  });

  it('reads a video track’s size', () => {
    const video = element([0xe0], Buffer.concat([element([0xb0], uint(640, 2)), element([0xba], uint(360, 2))]));
    const tracks = element(
      [0x16, 0x54, 0xae, 0x6b],
      element([0xae], Buffer.concat([element([0xd7], uint(1, 1)), video])),
    );
    expect(webmFactsOf(Buffer.concat([header, element([0x18, 0x53, 0x80, 0x67], tracks, true)]))).toMatchObject({
      width: 640,
      height: 360,
    });
  });

  it('gives up on what is no WebM, or is cut short', () => {
    expect(webmDurationOf(Buffer.from('not a webm at all'))).toBeUndefined();
    const recorded = readFileSync(new URL('../../../test/fixtures/voice-note.webm', import.meta.url));
    const cut = webmDurationOf(recorded.subarray(0, 3000));
    expect(cut === undefined || cut < 2420).toBe(true);
  });
});
