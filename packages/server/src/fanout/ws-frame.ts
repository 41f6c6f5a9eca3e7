/**
 * A WebSocket text frame (RFC 6455 §5.2: FIN, opcode 1, unmasked as a server's are) around a payload. The
 * same bytes are right for every socket, so a worker frames an event once and writes it to each. Header and
 * payload share one allocation.
 */
function headerLength(payloadLength: number): number {
  return payloadLength < 126 ? 2 : payloadLength < 65_536 ? 4 : 10;
}

function frameWithHeader(payloadLength: number): { frame: Buffer; at: number } {
  const at = headerLength(payloadLength);
  const frame = Buffer.allocUnsafe(at + payloadLength);
  frame[0] = 0x81;
  if (at === 2) frame[1] = payloadLength;
  else if (at === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(payloadLength, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(payloadLength / 2 ** 32), 2);
    frame.writeUInt32BE(payloadLength >>> 0, 6);
  }
  return { frame, at };
}

/** The frame of a payload already in bytes (an event from the bus). */
export function textFrame(payload: Buffer): Buffer {
  const { frame, at } = frameWithHeader(payload.length);
  payload.copy(frame, at);
  return frame;
}

/** The frame of a serialised event, encoded straight into it. */
export function textFrameOf(text: string): Buffer {
  const { frame, at } = frameWithHeader(Buffer.byteLength(text));
  frame.write(text, at, 'utf8');
  return frame;
}

/** The payload of a frame made here (a view, not a copy). */
export function payloadOf(frame: Buffer): Buffer {
  const marker = frame[1] ?? 0;
  return frame.subarray(marker < 126 ? 2 : marker === 126 ? 4 : 10);
}
