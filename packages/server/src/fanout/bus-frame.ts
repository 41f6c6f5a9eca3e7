/**
 * Bus frames are what the Lua scripts publish (see store/scripts/lib.lua): on a chat's channel the event's
 * wire JSON itself; on the server's own channels a one-letter kind and a header line before it. Read from
 * the raw buffer without parsing the JSON, so the same bytes go to every socket.
 */
export type BusFrame =
  | { kind: 'all'; json: Buffer }
  | { kind: 'message'; id: number; json: Buffer }
  | { kind: 'except-user'; userId: string; json: Buffer }
  /** A chat event some members may not see (a change to a message from before they joined a group). */
  | { kind: 'except-users'; userIds: Set<string>; json: Buffer }
  /** A member left or was removed: their connections stop following the chat before anything later. */
  | { kind: 'member-removed'; userId: string; json: Buffer }
  /**
   * A receipt event (read_receipt, delivered_receipt, chat_receipts): marks only rise, so a later one of the
   * same `key` (the kind, and the user for a per-user one) makes an earlier one pointless.
   */
  | { kind: 'receipt'; key: string; json: Buffer }
  | {
      kind: 'user';
      attach: { chatId: string; lastId: number }[];
      detach: string[];
      skipConn?: string;
      /** A session that ended: its connections are closed. */
      endSession?: string;
      /** The users hidden from this user changed (a block made or lifted): read them again. */
      hiddenChanged?: boolean;
      /** A block made: hide this user at once, before the read. */
      hide?: string;
      json: Buffer;
    }
  | { kind: 'presence'; userId: string; chats: string[]; json: Buffer };

const OPEN_BRACE = 0x7b;
const NEWLINE = 0x0a;
// The scripts write these events with their fields in this order (send-message.lua, typing.lua, lib.lua,
// group-remove.lua, leave-chat.lua, forget-member.lua).
const MESSAGE_HEAD = Buffer.from('{"type":"message_created",');
const MESSAGE_ID = Buffer.from('"message":{"id":');
const TYPING_HEAD = Buffer.from('{"type":"typing",');
const REMOVED_HEAD = Buffer.from('{"type":"chat_member_removed",');
const RECEIPT_HEADS = ['read_receipt', 'delivered_receipt', 'chat_receipts'].map((type) =>
  Buffer.from(`{"type":"${type}",`),
);
const USER_ID = Buffer.from('"user_id":"');

/** The value of the first `"user_id"` of an event, read from its bytes. */
function userIdIn(raw: Buffer): string | undefined {
  const at = raw.indexOf(USER_ID);
  const end = at > 0 ? raw.indexOf(0x22, at + USER_ID.length) : -1;
  return end > 0 ? raw.toString('latin1', at + USER_ID.length, end) : undefined;
}

/** A chat channel's event: messages carry their id, typing its user (whose own sockets skip it). */
function classifyChatEvent(raw: Buffer): BusFrame {
  if (raw.subarray(0, MESSAGE_HEAD.length).equals(MESSAGE_HEAD)) {
    const at = raw.indexOf(MESSAGE_ID);
    if (at > 0) {
      let id = 0;
      for (let i = at + MESSAGE_ID.length; i < raw.length; i++) {
        const digit = (raw[i] ?? 0) - 0x30;
        if (digit < 0 || digit > 9) break;
        id = id * 10 + digit;
      }
      return { kind: 'message', id, json: raw };
    }
  }
  if (raw.subarray(0, TYPING_HEAD.length).equals(TYPING_HEAD)) {
    const userId = userIdIn(raw);
    if (userId !== undefined) return { kind: 'except-user', userId, json: raw };
  }
  if (raw.subarray(0, REMOVED_HEAD.length).equals(REMOVED_HEAD)) {
    const userId = userIdIn(raw);
    if (userId !== undefined) return { kind: 'member-removed', userId, json: raw };
  }
  for (const [kind, head] of RECEIPT_HEADS.entries()) {
    if (raw.subarray(0, head.length).equals(head))
      return { kind: 'receipt', key: `${kind}${userIdIn(raw) ?? ''}`, json: raw };
  }
  return { kind: 'all', json: raw };
}

export function parseBusFrame(raw: Buffer): BusFrame | undefined {
  if (raw.length === 0) return undefined;
  const first = raw[0];
  if (first === OPEN_BRACE) return classifyChatEvent(raw);
  const end = raw.indexOf(NEWLINE);
  if (end < 0) return undefined;
  const header = raw.toString('latin1', 1, end);
  const json = raw.subarray(end + 1);
  switch (String.fromCharCode(first ?? 0)) {
    case 'p': {
      const [userId = '', ...chats] = header.split(' ');
      return { kind: 'presence', userId, chats: chats.filter(Boolean), json };
    }
    case 'x':
      // On a chat's channel (message-changes-lib.lua's publish_about): the users who skip the event.
      return { kind: 'except-users', userIds: new Set(header.split(' ').filter(Boolean)), json };
    case 'u': {
      const frame: Extract<BusFrame, { kind: 'user' }> = { kind: 'user', attach: [], detach: [], json };
      for (const field of header.split(' ')) {
        if (field.startsWith('+')) {
          const at = field.lastIndexOf('@');
          frame.attach.push({ chatId: field.slice(1, at), lastId: Number(field.slice(at + 1)) || 0 });
        } else if (field.startsWith('-')) frame.detach.push(field.slice(1));
        else if (field.startsWith('!')) frame.skipConn = field.slice(1);
        else if (field.startsWith('x')) frame.endSession = field.slice(1);
        else if (field === 'h' || field.startsWith('h+')) {
          frame.hiddenChanged = true;
          if (field.length > 2) frame.hide = field.slice(2);
        }
      }
      return frame;
    }
    default:
      return undefined;
  }
}
