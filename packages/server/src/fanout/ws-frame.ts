/**
 * A WebSocket text frame (RFC 6455 §5.2: FIN, opcode 1, unmasked as a server's are) around a payload. The
 * same bytes are right for every socket, so a worker frames an event once and writes it to each.
 */
export function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  let header: Buffer;
  if (length < 126) {
    header = Buffer.allocUnsafe(2);
    header[1] = length;
  } else if (length < 65_536) {
    header = Buffer.allocUnsafe(4);
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.allocUnsafe(10);
    header[1] = 127;
    header.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    header.writeUInt32BE(length >>> 0, 6);
  }
  header[0] = 0x81;
  return Buffer.concat([header, payload], header.length + length);
}
