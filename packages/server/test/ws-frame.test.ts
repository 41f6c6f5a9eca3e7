import { describe, expect, it } from 'vitest';
import { Receiver } from 'ws';
import { payloadOf, textFrame, textFrameOf } from '../src/fanout/ws-frame.js';

/** Decode with ws's own parser, as a client would. */
function decode(frame: Buffer): Promise<{ text: string; binary: boolean }> {
  return new Promise((resolve, reject) => {
    const receiver = new Receiver({ isServer: false, maxPayload: 0 } as never);
    receiver.on('message', (data: Buffer, isBinary: boolean) => resolve({ text: data.toString(), binary: isBinary }));
    receiver.on('error', reject);
    receiver.write(frame);
  });
}

describe('textFrame', () => {
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 70_000])('frames a %i-byte payload as ws reads it', async (size) => {
    const payload = Buffer.from('é'.repeat(Math.floor(size / 2)) + 'x'.repeat(size % 2));
    const decoded = await decode(textFrame(payload));
    expect(decoded.binary).toBe(false);
    expect(Buffer.byteLength(decoded.text)).toBe(payload.length);
    expect(decoded.text).toBe(payload.toString());
    expect(payloadOf(textFrame(payload)).equals(payload)).toBe(true);
  });

  it.each([0, 125, 126, 65_535, 65_536])('frames a %i-byte string, multi-byte characters included', async (size) => {
    const text = 'ã€'.slice(0, size > 0 ? 1 : 0).repeat(Math.floor(size / 2)) + 'x'.repeat(size % 2);
    const frame = textFrameOf(text);
    expect(frame.equals(textFrame(Buffer.from(text)))).toBe(true);
    expect((await decode(frame)).text).toBe(text);
    expect(payloadOf(frame).toString()).toBe(text);
  });
});
