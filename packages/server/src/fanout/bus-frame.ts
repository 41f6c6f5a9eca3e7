/**
 * Bus frames are what the Lua scripts publish (see store/scripts/lib.lua for the grammar): the wire JSON,
 * or a one-letter kind and a header line before it. Parsed from the raw buffer so the JSON part is passed
 * on as a zero-copy slice, the same bytes for every socket.
 */
export type BusFrame =
  | { kind: 'all'; json: Buffer }
  | { kind: 'message'; id: number; json: Buffer }
  | { kind: 'except-user'; userId: string; json: Buffer }
  | { kind: 'user'; attach: { chatId: string; lastId: number }[]; detach: string[]; skipConn?: string; json: Buffer }
  | { kind: 'presence'; userId: string; chats: string[]; json: Buffer };

const OPEN_BRACE = 0x7b;
const NEWLINE = 0x0a;

export function parseBusFrame(raw: Buffer): BusFrame | undefined {
  if (raw.length === 0) return undefined;
  const first = raw[0];
  if (first === OPEN_BRACE) return { kind: 'all', json: raw };
  const end = raw.indexOf(NEWLINE);
  if (end < 0) return undefined;
  const header = raw.toString('latin1', 1, end);
  const json = raw.subarray(end + 1);
  switch (String.fromCharCode(first ?? 0)) {
    case 'm':
      return { kind: 'message', id: Number(header), json };
    case 'x':
      return { kind: 'except-user', userId: header, json };
    case 'p': {
      const [userId = '', ...chats] = header.split(' ');
      return { kind: 'presence', userId, chats: chats.filter(Boolean), json };
    }
    case 'u': {
      const frame: Extract<BusFrame, { kind: 'user' }> = { kind: 'user', attach: [], detach: [], json };
      for (const field of header.split(' ')) {
        if (field.startsWith('+')) {
          const at = field.lastIndexOf('@');
          frame.attach.push({ chatId: field.slice(1, at), lastId: Number(field.slice(at + 1)) || 0 });
        } else if (field.startsWith('-')) frame.detach.push(field.slice(1));
        else if (field.startsWith('!')) frame.skipConn = field.slice(1);
      }
      return frame;
    }
    default:
      return undefined;
  }
}
