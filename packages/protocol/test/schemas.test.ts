import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { describe, expect, it } from 'vitest';
import {
  ACTION_NAMES,
  ActionData,
  type ActionName,
  ClientEnvelope,
  HistoryQuery,
  LIMITS,
  LoginBody,
  LoginCodeBody,
  LoginVerifyBody,
  SERVER_EVENT_TYPES,
  ServerEvents,
} from '../src/index.js';

type Cases = { valid: unknown[]; invalid: unknown[] };

const chat = 'c_1a2b';
const code = 'Xk3Jd9QpL2vR8sTq1wYzAa';
const x = (n: number) => 'x'.repeat(n);

/** Valid and invalid `data` for every action: the boundaries the contract sets. */
const ACTION_CASES: Record<ActionName, Cases> = {
  auth: {
    valid: [{ token: 'tok' }, { token: 'tok', username: 'ana', avatar_url: 'https://example.com/a.png' }],
    invalid: [
      {},
      { token: '' },
      { token: x(LIMITS.tokenMaxLength + 1) },
      { token: 'tok', username: '' },
      { token: 'tok', username: x(33) },
      { token: 'tok', username: 'ana\uDBFF' },
      { token: 'tok', avatar_url: 'javascript:x' },
      { token: 'tok', avatar_url: 'https://example.com/a b.png' },
    ],
  },
  create_dm: {
    valid: [{ peer_user_id: 'u_9f' }, { peer_user_id: x(LIMITS.idMaxLength) }],
    invalid: [{}, { peer_user_id: '' }, { peer_user_id: x(LIMITS.idMaxLength + 1) }, { peer_user_id: 7 }],
  },
  create_public_chat: {
    valid: [{ title: 'Família' }, { title: ' a ' }, { title: x(64) }, { title: 'Festa 🎉' }],
    invalid: [{}, { title: '' }, { title: '   ' }, { title: x(65) }, { title: 'a\uD800' }, { title: '\uDC00b' }],
  },
  join_chat: {
    valid: [{ chat_id: chat }, { invite_code: code }],
    invalid: [
      {},
      { chat_id: '' },
      { chat_id: 1 },
      { chat_id: null },
      { invite_code: 'short' },
      { invite_code: `${code}!` },
    ],
  },
  create_group: {
    valid: [
      { title: 'Família', member_ids: [] },
      { title: 'Time', member_ids: ['u_1', 'u_2'], description: '' },
      { title: x(64), member_ids: Array.from({ length: LIMITS.groupAddMax }, (_, i) => `u_${i}`), description: x(512) },
    ],
    invalid: [
      { title: 'x' },
      { title: '', member_ids: [] },
      { title: '  ', member_ids: [] },
      { title: x(65), member_ids: [] },
      { title: 'a', member_ids: Array.from({ length: LIMITS.groupAddMax + 1 }, (_, i) => `u_${i}`) },
      { title: 'a', member_ids: ['bad id'] },
      { title: 'a', member_ids: [], description: x(513) },
      { title: 'a', member_ids: [], description: 'a\uD800' },
    ],
  },
  add_members: {
    valid: [{ chat_id: chat, user_ids: ['u_1'] }],
    invalid: [
      { chat_id: chat, user_ids: [] },
      { chat_id: chat },
      { chat_id: chat, user_ids: Array.from({ length: LIMITS.groupAddMax + 1 }, (_, i) => `u_${i}`) },
    ],
  },
  remove_member: {
    valid: [{ chat_id: chat, user_id: 'u_1' }],
    invalid: [{ chat_id: chat }, { user_id: 'u_1' }, { chat_id: chat, user_id: '' }],
  },
  set_role: {
    valid: [
      { chat_id: chat, user_id: 'u_1', role: 'admin' },
      { chat_id: chat, user_id: 'u_1', role: 'member' },
      { chat_id: chat, user_id: 'u_1', role: 'owner' },
    ],
    invalid: [
      { chat_id: chat, user_id: 'u_1', role: 'king' },
      { chat_id: chat, user_id: 'u_1' },
    ],
  },
  update_chat: {
    valid: [{ chat_id: chat, title: 'Novo' }, { chat_id: chat, description: '' }, { chat_id: chat }],
    invalid: [{ chat_id: chat, title: '' }, { chat_id: chat, description: x(513) }, { title: 'a' }],
  },
  create_invite: {
    valid: [
      { chat_id: chat },
      { chat_id: chat, expires_in_s: 60, max_uses: 1 },
      { chat_id: chat, expires_in_s: 30 * 86400 },
    ],
    invalid: [
      { chat_id: chat, expires_in_s: 59 },
      { chat_id: chat, expires_in_s: 30 * 86400 + 1 },
      { chat_id: chat, max_uses: 0 },
      { chat_id: chat, max_uses: LIMITS.inviteMaxUses + 1 },
    ],
  },
  revoke_invite: {
    valid: [{ chat_id: chat, code }],
    invalid: [{ chat_id: chat }, { chat_id: chat, code: 'short' }],
  },
  leave_chat: {
    valid: [{ chat_id: chat }],
    invalid: [{}, { chat_id: '' }],
  },
  send_message: {
    valid: [
      { chat_id: chat, body: 'oi' },
      { chat_id: chat, body: x(4096) },
      { chat_id: chat, body: 'oi', type: 'text', client_msg_id: x(64) },
      { chat_id: chat, body: 'oi', reply_to: 3, mentions: ['u_1', 'u_2'] },
      { chat_id: chat, body: 'oi', mentions: [] },
      // A forward carries the source's body: none of its own (the server refuses one, see handlers/messages.ts).
      { chat_id: chat, forward_of: { chat_id: chat, message_id: 1 } },
      // Only the server can tell that a text message lacks its body (it is optional for forwards).
      { chat_id: chat },
      // A media message: its caption is optional.
      { chat_id: chat, type: 'image', media_id: 'm_Q2xh7Tb0Yk3Vr9Lp1nWc4A' },
      { chat_id: chat, type: 'voice', media_id: 'm_x', body: 'listen' },
    ],
    invalid: [
      { body: 'oi' },
      { chat_id: chat, body: 'oi', reply_to: 0 },
      { chat_id: chat, body: 'oi', mentions: Array.from({ length: LIMITS.mentionsMax + 1 }, (_, i) => `u_${i}`) },
      { chat_id: chat, body: 'oi', mentions: [''] },
      { chat_id: chat, forward_of: { chat_id: chat } },
      { chat_id: chat, forward_of: { message_id: 1 } },
      { chat_id: chat, body: '' },
      { chat_id: chat, body: x(4097) },
      { chat_id: chat, body: 'oi', type: 'sticker' },
      { chat_id: chat, type: 'image', media_id: 'not-a-media-id' },
      { chat_id: chat, type: 'image', media_id: 'm_../x' },
      { chat_id: chat, body: 'oi', client_msg_id: '' },
      { chat_id: chat, body: 'oi', client_msg_id: x(65) },
    ],
  },
  received: {
    valid: [{ chat_id: chat, message_id: 1 }],
    invalid: [{ chat_id: chat, message_id: 0 }, { chat_id: chat }, { message_id: 1 }],
  },
  edit_message: {
    valid: [
      { chat_id: chat, message_id: 1, body: 'fixed' },
      { chat_id: chat, message_id: 9, body: x(4096) },
    ],
    invalid: [
      { chat_id: chat, message_id: 1 },
      { chat_id: chat, message_id: 1, body: '' },
      { chat_id: chat, message_id: 1, body: x(4097) },
      { chat_id: chat, message_id: 0, body: 'x' },
    ],
  },
  delete_message: {
    valid: [{ chat_id: chat, message_id: 1 }],
    invalid: [{ chat_id: chat }, { chat_id: chat, message_id: 0 }, { chat_id: chat, message_id: '1' }],
  },
  react: {
    valid: [
      { chat_id: chat, message_id: 1, emoji: '👍' },
      { chat_id: chat, message_id: 1, emoji: '' },
    ],
    // One emoji is checked by the server (a grapheme, ≤ 32 bytes, pictographic); the schema caps the length.
    invalid: [
      { chat_id: chat, message_id: 1 },
      { chat_id: chat, message_id: 1, emoji: x(LIMITS.reactionMaxBytes + 1) },
      { chat_id: chat, message_id: 0, emoji: '👍' },
    ],
  },
  read_receipt: {
    valid: [
      { chat_id: chat, message_id: 1 },
      { chat_id: chat, message_id: 42 },
    ],
    invalid: [
      { chat_id: chat, message_id: 0 },
      { chat_id: chat, message_id: -1 },
      { chat_id: chat, message_id: 1.5 },
      { chat_id: chat, message_id: '1' },
      { chat_id: chat },
    ],
  },
  typing: {
    valid: [
      { chat_id: chat, is_typing: true },
      { chat_id: chat, is_typing: false },
    ],
    invalid: [{ chat_id: chat }, { chat_id: chat, is_typing: 'yes' }, { chat_id: chat, is_typing: 1 }],
  },
  mute_chat: {
    valid: [
      { chat_id: chat, until: 0 },
      { chat_id: chat, until: 1767225600 },
    ],
    invalid: [{ chat_id: chat }, { chat_id: chat, until: -1 }, { chat_id: chat, until: 1.5 }],
  },
  set_active: {
    valid: [{ active: true }, { active: false }],
    invalid: [{}, { active: 'no' }, { active: 1 }, { active: null }],
  },
  sync: {
    valid: [
      { chat_id: chat, after_id: 0 },
      { chat_id: chat, after_id: 41, limit: 1 },
      { chat_id: chat, after_id: 41, limit: 200 },
      { chat_id: chat, after_id: 41, after_change_id: 0 },
      { chat_id: chat, after_id: 41, after_change_id: 7, limit: 10 },
    ],
    invalid: [
      { chat_id: chat },
      { chat_id: chat, after_id: -1 },
      { chat_id: chat, after_id: 0, limit: 0 },
      { chat_id: chat, after_id: 0, limit: 201 },
      { chat_id: chat, after_id: 0, after_change_id: -1 },
    ],
  },
};

function expectCases(schema: TSchema, { valid, invalid }: Cases) {
  const check = TypeCompiler.Compile(schema);
  for (const value of valid) expect([...check.Errors(value)], JSON.stringify(value)).toEqual([]);
  for (const value of invalid) expect(check.Check(value), JSON.stringify(value)).toBe(false);
}

describe('action schemas', () => {
  it('every action has cases', () => {
    expect(Object.keys(ACTION_CASES).sort()).toEqual([...ACTION_NAMES].sort());
  });

  for (const name of ACTION_NAMES) {
    it(name, () => expectCases(ActionData[name], ACTION_CASES[name]));
  }

  it('a non-object data is rejected', () => {
    for (const name of ACTION_NAMES) {
      const check = TypeCompiler.Compile(ActionData[name]);
      for (const value of [null, [], 'x', 1])
        expect(check.Check(value), `${name} ${JSON.stringify(value)}`).toBe(false);
    }
  });
});

describe('client envelope', () => {
  it('needs an action and an object data', () =>
    expectCases(ClientEnvelope, {
      valid: [
        { action: 'sync', data: {} },
        { action: 'auth', data: { token: 't' }, request_id: 'r1' },
      ],
      invalid: [{ data: {} }, { action: 'auth' }, { action: 'auth', data: [] }, { action: 1, data: {} }, null],
    }));
});

describe('server event schemas', () => {
  it('compile', () => {
    for (const type of SERVER_EVENT_TYPES) expect(() => TypeCompiler.Compile(ServerEvents[type]), type).not.toThrow();
  });

  it('ack carries client_msg_id or null', () =>
    expectCases(ServerEvents.ack, {
      valid: [
        { type: 'ack', chat_id: chat, client_msg_id: 'm1', server_msg_id: 1 },
        { type: 'ack', chat_id: chat, client_msg_id: null, server_msg_id: 1, request_id: 'r1' },
      ],
      invalid: [
        { type: 'ack', chat_id: chat, server_msg_id: 1 },
        { type: 'ack', chat_id: chat, client_msg_id: null, server_msg_id: 0 },
      ],
    }));

  it('error carries a known code', () =>
    expectCases(ServerEvents.error, {
      valid: [{ type: 'error', error: 'rate_limited', message: 'slow down', retry_after: 3 }],
      invalid: [
        { type: 'error', error: 'teapot', message: 'x' },
        { type: 'error', error: 'internal' },
      ],
    }));

  it('message_created carries a text or media message', () => {
    const message = { id: 1, sender_id: 'u_9f', body: 'oi', msg_type: 'text', created_at: 1767225600 };
    const media = { media_id: 'm_Q2xh7Tb0Yk3Vr9Lp1nWc4A', kind: 'image', mime: 'image/png', size: 10 };
    expectCases(ServerEvents.message_created, {
      valid: [
        { type: 'message_created', chat_id: chat, message },
        { type: 'message_created', chat_id: chat, message: { ...message, msg_type: 'image', media } },
      ],
      invalid: [
        { type: 'message_created', chat_id: chat, message: { ...message, msg_type: 'sticker' } },
        {
          type: 'message_created',
          chat_id: chat,
          message: { ...message, msg_type: 'image', media: { ...media, kind: 'pdf' } },
        },
        { type: 'message_created', chat_id: chat, message: { ...message, created_at: 1.5 } },
        { type: 'typing', chat_id: chat, message },
      ],
    });
  });

  it('presence is online or offline', () =>
    expectCases(ServerEvents.presence, {
      valid: [{ type: 'presence', user_id: 'u_9f', status: 'offline', last_seen: 1767225600 }],
      invalid: [{ type: 'presence', user_id: 'u_9f', status: 'away', last_seen: 1767225600 }],
    }));
});

describe('HTTP bodies', () => {
  it('login', () =>
    expectCases(LoginBody, {
      valid: [{ username: 'ana' }, { username: 'ana', avatar_url: 'http://example.com/a.png' }],
      invalid: [{}, { username: '' }, { username: x(33) }, { username: 'ana', avatar_url: 'javascript:x' }],
    }));

  it('login code: a phone (E.164) or an e-mail, not both', () =>
    expectCases(LoginCodeBody, {
      valid: [{ phone: '+5511912345678' }, { email: 'ana@example.com' }],
      invalid: [
        { phone: '123' },
        { phone: '5511912345678' },
        { phone: '+0511912345678' },
        { phone: '+5511912345678901' },
        { email: 'ana' },
        { phone: '+5511912345678', email: 'ana@example.com' },
        {},
      ],
    }));

  it('login verify: a 6-digit code', () =>
    expectCases(LoginVerifyBody, {
      valid: [
        { phone: '+5511912345678', code: '123456' },
        { email: 'ana@example.com', code: '000000', username: 'ana' },
      ],
      invalid: [
        { phone: '+5511912345678' },
        { phone: '+5511912345678', code: '12345' },
        { phone: '+5511912345678', code: '12345a' },
        { code: '123456' },
      ],
    }));

  it('history query: limit 1..100', () =>
    expectCases(HistoryQuery, {
      valid: [{}, { before: 1, limit: 100 }],
      invalid: [{ limit: 0 }, { limit: 101 }, { before: 0 }],
    }));
});
