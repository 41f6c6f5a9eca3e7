#!/usr/bin/env node
/**
 * Generates the protocol reference from the TypeBox schemas of packages/protocol, so the docs cannot drift:
 *   docs/protocol.md    the reference for client authors
 *   docs/asyncapi.yaml  the WebSocket as an AsyncAPI 3.0.0 document
 * It reads the built package: run `npx tsc -b packages/protocol` first (`npm test` builds it).
 * `--check` writes nothing: it exits 1 naming every file that differs from what it would write.
 * The output is deterministic (no dates), so a check right after a write always passes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = new URL('../packages/protocol/dist/index.js', import.meta.url);
if (!existsSync(DIST)) {
  console.error('gen-docs: packages/protocol/dist is missing; run `npx tsc -b packages/protocol` first.');
  process.exit(1);
}
const P = await import(DIST.href);
const VERSION = JSON.parse(readFileSync(join(ROOT, 'packages/protocol/package.json'), 'utf8')).version;
const { ACTION_FLOW, ACTION_NAMES, CLOSE_CODES, ERROR_CODES, HTTP_ROUTES, HTTP_STATUS, LIMITS, TIMINGS } = P;
const { REDIS_KEYS, SERVER_EVENT_TYPES } = P;

/** TypeBox schemas are JSON Schema plus symbol keys; a JSON round trip drops the symbols. */
const plain = (schema) => JSON.parse(JSON.stringify(schema));
const ACTIONS = Object.fromEntries(ACTION_NAMES.map((name) => [name, plain(P.ActionData[name])]));
const EVENTS = Object.fromEntries(SERVER_EVENT_TYPES.map((type) => [type, plain(P.ServerEvents[type])]));
const ENVELOPE = plain(P.ClientEnvelope);

// ---------------------------------------------------------------------------------------------------------------
// Examples: every field gets the sample of its name when the sample fits its schema, else one built from the schema.

const SAMPLES = {
  token: 'q8Yb3l0Vd8xqK2n7T1eJwA',
  user_id: 'u_9f',
  sender_id: 'u_9f',
  peer_user_id: 'u_7c',
  chat_id: 'c_1a2b',
  media_id: 'm_Q2xh7Tb0Yk3Vr9Lp1nWc4A',
  avatar_media_id: 'm_Q2xh7Tb0Yk3Vr9Lp1nWc4A',
  media_ids: ['m_Q2xh7Tb0Yk3Vr9Lp1nWc4A'],
  mime: 'image/jpeg',
  size: 183422,
  name: 'photo.jpg',
  width: 1600,
  height: 1200,
  duration_ms: 5200,
  thumbnail: 'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBD…',
  url: '/api/media/m_Q2xh7Tb0Yk3Vr9Lp1nWc4A?u=u_9f&exp=1767229200&sig=Jb0…',
  endpoint: 'https://fcm.googleapis.com/fcm/send/dGhpcyBpcyBhIHRlc3Q',
  keys: {
    p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
    auth: 'tBHItJI5svbpez7KI4CCXg',
  },
  public_key: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
  links: { m_Q2xh7Tb0Yk3Vr9Lp1nWc4A: '/api/media/m_Q2xh7Tb0Yk3Vr9Lp1nWc4A?u=u_9f&exp=1767229200&sig=Jb0…' },
  chats: ['c_1a2b', 'c_77e0'],
  username: 'ana',
  avatar_url: 'https://example.com/ana.png',
  title: 'Família',
  body: 'Oi! Tudo bem?',
  client_msg_id: '5d0c1c1e-8f1a-4c57-9a3b-2e1d3f4a5b6c',
  request_id: 'r1',
  id: 42,
  message_id: 42,
  server_msg_id: 42,
  after_id: 41,
  before: 43,
  limit: 50,
  created_at: 1767225600,
  read_at: 1767225660,
  last_seen: 1767225600,
  until: 1767312000,
  muted_until: 0,
  is_typing: true,
  status: 'online',
  error: 'forbidden',
  message: 'you are not a member of this chat',
  action: 'send_message',
  phone: '+5511912345678',
  email: 'ana@example.com',
  code: '123456',
  dev_code: '123456',
  challenge_id: 'kQ3x9VbZr2mT1nLp',
  refresh_token: 's_Pq7Rt2Xw9LmN4vBc.oY3kT8sQ1wZ5xR7uV2nM6bJ9cL4dF0hG',
  refresh_expires_in: TIMINGS.sessionTtlSeconds,
  session_id: 's_Pq7Rt2Xw9LmN4vBc',
  device: 'Chrome on Android',
  last_used: 1767225660,
  current: true,
  temporary: false,
  ended: 2,
  expires_in: TIMINGS.tokenTtlSeconds,
  kind: 'public',
  member_count: 3,
  member_ids: ['u_7c', 'u_3d'],
  user_ids: ['u_7c'],
  joined: ['u_7c'],
  description: 'A família toda',
  role: 'admin',
  by: 'u_9f',
  created_by: 'u_9f',
  invite_code: 'Xk3Jd9QpL2vR8sTq1wYzAa',
  expires_in_s: 7 * 24 * 3600,
  expires_at: 1767830400,
  max_uses: 50,
  uses: 3,
  unread_count: 2,
  online: true,
  next_cursor: null,
  emoji: '👍',
  reply_to: 41,
  mentions: ['u_7c'],
  forward_of: { chat_id: 'c_77e0', message_id: 7 },
  after_change_id: 12,
  change_id: 13,
  received_id: 42,
  read_id: 41,
  delivered_at: 1767225630,
  at: 1767225630,
  pending: ['u_3d'],
};
/** Second samples, for a field name two schemas share (a login code and an invite code). */
const OTHER_SAMPLES = { code: 'Xk3Jd9QpL2vR8sTq1wYzAa' };
/** Optional fields shown in examples; other optional fields are left out of them. */
const OPTIONAL_IN_EXAMPLES = new Set(
  'username avatar_url client_msg_id request_id action limit before last_message dev_code chat_id'.split(' '),
);

/** Whether a value satisfies a (plain) schema: enough of JSON Schema for the keywords the protocol uses. */
function fits(s, v) {
  if ('const' in s) return v === s.const;
  if (s.anyOf) return s.anyOf.some((variant) => fits(variant, v));
  switch (s.type) {
    case 'string':
      return (
        typeof v === 'string' &&
        v.length >= (s.minLength ?? 0) &&
        v.length <= (s.maxLength ?? Number.POSITIVE_INFINITY) &&
        (s.pattern === undefined || new RegExp(s.pattern).test(v))
      );
    case 'integer':
    case 'number':
      return (
        typeof v === 'number' &&
        (s.type === 'number' || Number.isInteger(v)) &&
        v >= (s.minimum ?? Number.NEGATIVE_INFINITY) &&
        v <= (s.maximum ?? Number.POSITIVE_INFINITY)
      );
    case 'boolean':
      return typeof v === 'boolean';
    case 'null':
      return v === null;
    case 'array':
      return Array.isArray(v) && v.every((item) => fits(s.items, item));
    case 'object':
      return (
        typeof v === 'object' &&
        v !== null &&
        !Array.isArray(v) &&
        (s.required ?? []).every((key) => key in v) &&
        Object.entries(v).every(([key, x]) =>
          s.properties?.[key] ? fits(s.properties[key], x) : s.additionalProperties !== false,
        )
      );
    default:
      return true;
  }
}

function example(s, name) {
  if (s.contentMediaType) return `<the bytes, ${s.contentMediaType}>`;
  if (name in SAMPLES && fits(s, SAMPLES[name])) return structuredClone(SAMPLES[name]);
  if (name in OTHER_SAMPLES && fits(s, OTHER_SAMPLES[name])) return OTHER_SAMPLES[name];
  if ('const' in s) return s.const;
  if (s.anyOf) return example(s.anyOf.find((variant) => variant.type !== 'null') ?? s.anyOf[0], name);
  if (s.type === 'array') return [example(s.items, name)];
  if (s.type === 'object') {
    const required = new Set(s.required ?? []);
    const out = {};
    for (const [key, field] of Object.entries(s.properties ?? {})) {
      if (required.has(key) || OPTIONAL_IN_EXAMPLES.has(key)) out[key] = example(field, key);
    }
    return out;
  }
  if (s.type === 'integer' || s.type === 'number') return s.minimum ?? 1;
  if (s.type === 'boolean') return true;
  if (s.type === 'null') return null;
  if (s.type === 'string' && s.pattern === undefined && (s.minLength ?? 0) <= 4) return 'text';
  throw new Error(`gen-docs: no example fits the field "${name}"; add a sample to SAMPLES in scripts/gen-docs.mjs`);
}

/** An example for a whole frame or body; it must satisfy its schema (the tests check it again with TypeBox). */
function exampleOf(s, what) {
  const value = example(s, '');
  if (!fits(s, value)) throw new Error(`gen-docs: the example for ${what} does not satisfy its schema`);
  return value;
}

/** Every named (`$id`) schema the protocol's schemas embed, such as Message: documented once, linked elsewhere. */
function namedSchemas(s, found = {}) {
  if (Array.isArray(s)) for (const item of s) namedSchemas(item, found);
  else if (s !== null && typeof s === 'object') {
    if (typeof s.$id === 'string') found[s.$id] ??= s;
    for (const value of Object.values(s)) namedSchemas(value, found);
  }
  return found;
}
const NAMED = namedSchemas([ACTIONS, EVENTS, Object.values(HTTP_ROUTES).map(plain)]);

const actionExample = (name) => ({ action: name, data: exampleOf(ACTIONS[name], name), request_id: 'r1' });
const eventExample = (type) => exampleOf(EVENTS[type], type);

// ---------------------------------------------------------------------------------------------------------------
// Markdown helpers.

const code = (text) => `\`${text}\``;
const cell = (text) =>
  String(text ?? '')
    .replaceAll('|', '\\|')
    .replaceAll('\n', ' ');
const table = (head, rows) =>
  [head, head.map(() => '---'), ...rows].map((row) => `| ${row.map(cell).join(' | ')} |`).join('\n');
const json = (value) => `\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;
const actionLink = (name) => `[${code(name)}](#action-${name})`;
const eventLink = (type) => `[${code(type)}](#event-${type})`;
const anchor = (id) => `<a id="${id}"></a>`;

function typeName(s) {
  if (s.$id) return `[${s.$id}](#type-${s.$id.toLowerCase()})`;
  if (s.anyOf?.every((variant) => 'const' in variant)) return [...new Set(s.anyOf.map(typeName))].join(' | ');
  if (s.anyOf) return s.anyOf.map(typeName).join(' | ');
  if (s.type === 'array') return `array of ${typeName(s.items)}`;
  return s.type ?? 'any';
}

function constraints(s) {
  if (s.$id) return '';
  const out = [];
  if ('const' in s) out.push(`literal ${code(JSON.stringify(s.const))}`);
  if (s.anyOf?.every((variant) => 'const' in variant)) {
    out.push(`one of ${s.anyOf.map((variant) => code(JSON.stringify(variant.const))).join(', ')}`);
  } else if (s.anyOf) {
    for (const variant of s.anyOf) {
      const inner = constraints(variant);
      if (inner) out.push(`${typeName(variant)}: ${inner}`);
    }
  }
  for (const key of ['minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']) {
    if (s[key] !== undefined) out.push(`${key} ${s[key]}`);
  }
  for (const key of ['minItems', 'maxItems', 'format', 'default']) {
    if (s[key] !== undefined) out.push(`${key} ${JSON.stringify(s[key])}`);
  }
  if (s.pattern !== undefined) out.push(`pattern ${code(s.pattern)}`);
  if (s.type === 'array' && !s.items.$id) {
    const inner = constraints(s.items);
    if (inner) out.push(`items: ${inner}`);
  }
  return out.join('; ');
}

const FIELD_HEAD = ['field', 'type', 'required', 'constraints', 'description'];

function fieldRows(obj, prefix = '') {
  const required = new Set(obj.required ?? []);
  const rows = [];
  for (const [name, s] of Object.entries(obj.properties ?? {})) {
    const path = `${prefix}${name}`;
    const description = s.description ?? (s.items && !s.items.$id ? s.items.description : '') ?? '';
    rows.push([code(path), typeName(s), required.has(name) ? 'yes' : 'no', constraints(s), description]);
    const inner = s.type === 'array' ? s.items : s;
    if (!inner.$id && inner.type === 'object' && inner.properties) {
      rows.push(...fieldRows(inner, `${path}${s.type === 'array' ? '[]' : ''}.`));
    }
  }
  return rows;
}

function fieldsTable(s) {
  if (Object.keys(s.properties ?? {}).length === 0) return '_No fields._';
  const closed = s.additionalProperties === false ? '\n\nNo other fields are accepted.' : '';
  return table(FIELD_HEAD, fieldRows(s)) + closed;
}

/** A schema's fields; a union of objects gets one table per shape. */
function schemaDoc(s) {
  if (s.anyOf?.every((variant) => variant.type === 'object')) {
    const shapes = s.anyOf.map((variant, i) => `**Shape ${i + 1}**\n\n${fieldsTable(variant)}`);
    return [`One of ${s.anyOf.length} shapes:`, ...shapes].join('\n\n');
  }
  return fieldsTable(s);
}

// ---------------------------------------------------------------------------------------------------------------
// Hand-written notes on the constants (their values are read from the package).

const CLOSE_NOTES = {
  messageTooBig: 'A frame over the size limit (RFC 6455 "message too big").',
  authFailed: 'Not authenticated in time, or `auth` with an unknown or expired token: log in again.',
  serviceRestart: 'The server is restarting (RFC 6455 "service restart"): reconnect with backoff.',
};
const LIMIT_NOTES = {
  maxFrameBytes: 'Largest frame the server accepts by default (bytes); a larger one closes the connection with 1009.',
  bodyMaxLength: '`send_message` body, in UTF-16 code units (JavaScript string length).',
  bodyMaxBytes:
    '`send_message` body as stored: bytes of its JSON string in UTF-8 (escapes count: 6 per control character); over it, `invalid_payload`.',
  pageMaxBytes:
    'A history page (`sync`, `GET /api/chats/:chat_id/messages`) stops once its messages pass this many bytes (at least one message); `more: true` says more follow.',
  chatsPageDefault: '`limit` of `GET /api/chats`, `GET /api/chats/public` and `GET /api/contacts` when omitted.',
  chatsPageMax: 'Largest `limit` of `GET /api/chats`, `GET /api/chats/public` and `GET /api/contacts`.',
  contactsChatMaxMembers:
    '`GET /api/contacts` lists the members of the caller’s chats of at most this many members; a bigger chat makes nobody a contact.',
  contactsMembersBudget:
    'Memberships one `GET /api/contacts` request reads at most, the smallest chats first: its work is bounded whatever chats the caller is in.',
  chatTitleMaxLength: 'Public chat and group title.',
  chatDescriptionMaxLength: 'Group (or public chat) description.',
  groupAddMax: 'User ids one `create_group` or `add_members` takes.',
  groupMembersDefault: 'A group’s members by default (the server’s MAX_GROUP_MEMBERS).',
  invitesPerGroupMax: 'Live invite codes a group holds at most; `create_invite` past it is `forbidden`.',
  inviteMaxUses: 'Largest `max_uses` of an invite.',
  blocksMax:
    'Users one user may block (`blocks:{user_id}`); blocking one more is `forbidden` (403) until they unblock someone.',
  usernameMaxLength: 'Username (a display name).',
  aboutMaxLength: 'The “about” line under a name (PATCH /api/me).',
  avatarUrlMaxLength: 'Avatar URL.',
  clientMsgIdMaxLength: '`client_msg_id`.',
  requestIdMaxLength: '`request_id`.',
  idMaxLength: 'User and chat ids.',
  tokenMaxLength: 'Token in `auth`.',
  syncLimitMax: 'Largest `limit` of `sync`.',
  syncLimitDefault: '`limit` of `sync` when omitted.',
  historyLimitDefault: '`limit` of `GET /api/chats/:chat_id/messages` when omitted.',
  historyLimitMax: 'Largest `limit` of `GET /api/chats/:chat_id/messages`.',
  mentionsMax: 'User ids one message’s `mentions` takes.',
  replyPreviewMaxLength: 'Characters of the quoted body a reply keeps (`reply_to.preview`).',
  reactionMaxBytes: 'A reaction’s emoji, in UTF-8 bytes (one grapheme).',
  forwardMaxChats: 'Chats the web client forwards one message to at once.',
  receiptsFanoutMaxMembers:
    'Per-user `read_receipt` and `delivered_receipt` events go out in DMs and chats of at most this many members (RECEIPTS_FANOUT_MAX_MEMBERS); bigger groups get only `chat_receipts`.',
  changesKeep: 'Changes a chat keeps for `sync` with `after_change_id` (CHANGES_KEEP); older: `changes_reset`.',
  receiptTimesMessages: 'Message info keeps the times of receipts for this many of a chat’s last messages.',
  uploadMaxBytes: 'A photo, video or audio upload, in bytes (the server’s MAX_UPLOAD_BYTES); past it, 413.',
  fileMaxBytes: 'A file upload (`?name=`), in bytes (the server’s MAX_FILE_BYTES); past it, 413.',
  mediaNameMaxLength: 'A file’s name (`?name=`), in UTF-16 code units.',
  mediaInlineThumbnailMaxLength: '`media.thumbnail`, the inline preview (a `data:` URL), in characters.',
  mediaLinksMax: 'Media ids one `POST /api/media/links` takes.',
  mediaChatsMax: 'Chats one upload may be sent or forwarded to; past it a forward of it is `invalid_payload`.',
  pushEndpointMaxLength: 'A push subscription’s endpoint URL, in characters.',
  pushSubscriptionsMax:
    'Push subscriptions (devices) a user keeps; a new one past it replaces the least recently subscribed.',
};
const TIMING_NOTES = {
  tokenTtlSeconds: 'Lifetime of a token (`auth` does not extend it; the client refreshes its session for a new one).',
  sessionTtlSeconds: 'A session (its refresh token) lasts this long after its last refresh.',
  authTimeoutMs: 'A connection that has not authenticated by then is closed with 4001 (milliseconds).',
  typingTtlSeconds: '`typing` expires after this; clients hide "typing…" after it too.',
  typingRepeatMs:
    'A `typing: true` within this of the last one the members were told of is not told again (milliseconds); `false` is told only after a `true` was.',
  loginCodeTtlSeconds: 'Lifetime of a login code after it was last sent.',
  loginCodeTries: 'Wrong tries each challenge of a login code has.',
  idempotencyWindowSeconds: 'How long a `client_msg_id` is remembered.',
  presenceStaleSeconds: 'A user whose server process died is offline within this.',
  inviteTtlDefaultSeconds: 'An invite’s lifetime when `expires_in_s` is omitted (7 days).',
  inviteTtlMaxSeconds: 'Largest `expires_in_s` of an invite (30 days).',
  editWindowSeconds: 'Own messages can be edited this long after they were sent (EDIT_WINDOW_S).',
  deleteWindowSeconds: 'Own messages can be deleted for everyone this long after they were sent (DELETE_WINDOW_S).',
  receiptCoalesceMs: 'The SDK sends `received` and `read_receipt` for one chat at most this often (milliseconds).',
  mediaLinkTtlSeconds:
    'A signed media link (`media.url`, `POST /api/media/links`) works this long (rounded up to 10 minutes).',
  mediaSendWindowSeconds: 'An upload may be sent this long after it was made; an upload never sent is deleted then.',
};
const ENVELOPE_NOTES = {
  action: 'One of the actions below.',
  data: 'The action’s fields, as listed under each action.',
  request_id: 'Optional; echoed on the reply (or error) to this frame.',
};

function notedTable(constants, notes, what) {
  return table(
    ['name', 'value', 'meaning'],
    Object.entries(constants).map(([name, value]) => {
      if (!(name in notes)) console.warn(`gen-docs: no note for ${what}.${name}; add one in scripts/gen-docs.mjs`);
      return [code(name), code(value), notes[name] ?? ''];
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Redis keys. The package's REDIS_KEYS (the contract's section 7) and EXTRA_KEYS (the server's own) write names as
// the contract does, `chat:{chat_id}:messages`; the docs show the hash tag's braces as literal and the other
// placeholders as <name>: `chat:{<chat_id>}:messages`, `typing:{<chat_id>}:<user_id>`.

const KEY_SAMPLES = {
  user_low: 'u_7c',
  user_high: 'u_9f',
  worker_id: 'w_3',
  'phone|email': SAMPLES.phone,
  ip: '203.0.113.7',
};
// `{{…}}` in EXTRA_KEYS is a pair of literal braces (a hash tag): the placeholder inside takes one pair, and a
// pair left doubled collapses to one (`{{user_chats:{user_id}}}` → `{user_chats:<user_id>}`).
const literalBraces = (key) => key.replaceAll('{{', '{').replaceAll('}}', '}');
const keyPattern = (key) =>
  literalBraces(key.replace(/\{([\w|]+)\}/g, (_, name) => (name === 'chat_id' ? '{<chat_id>}' : `<${name}>`)));
const keyExample = (key) =>
  literalBraces(
    key.replace(/\{([\w|]+)\}/g, (_, name) => {
      const sample = KEY_SAMPLES[name] ?? SAMPLES[name];
      if (sample === undefined) return `<${name}>`;
      return name === 'chat_id' ? `{${sample}}` : String(sample);
    }),
  );
const keyTable = (keys) =>
  table(
    ['key', 'example', 'type', 'holds'],
    keys.map((entry) => [code(keyPattern(entry.key)), code(keyExample(entry.key)), entry.type, entry.holds]),
  );

function redisSection() {
  const out = [
    '## Redis keys',
    'Operators read these with `redis-cli`. In the key column `<user_id>` and the like stand for a value; ' +
      'everything else is literal, braces included. Every chat-scoped name wraps the chat id in braces: that is a ' +
      'Redis Cluster [hash tag](https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags), ' +
      'so all the keys of one chat live in one slot and one script can touch them together, on a single Redis ' +
      'and on a Redis Cluster alike. The channels are sharded Pub/Sub channels (Redis 7): the server publishes ' +
      'with `SPUBLISH`, so to watch a chat use `SSUBSCRIBE broadcast:chat:{<chat_id>}` (a plain `SUBSCRIBE` ' +
      'sees nothing); on a cluster each channel lives on its slot’s shard. An optional key prefix, set on the ' +
      'server (default none), goes before every name, channels included.',
    keyTable(REDIS_KEYS),
  ];
  if (Array.isArray(P.EXTRA_KEYS)) {
    out.push(
      '### Server keys beyond the contract',
      'The server’s own keys and channels (`EXTRA_KEYS`): not part of the contract, they may change between ' +
        'versions. Clients never see them.',
      keyTable(P.EXTRA_KEYS),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// docs/protocol.md

const GENERATED = 'Generated by `npm run docs` (scripts/gen-docs.mjs) from packages/protocol. Do not edit by hand.';

function actionSection(name) {
  const flow = ACTION_FLOW[name];
  const replies = flow.reply.length
    ? `${flow.reply.map(eventLink).join(', ')}, or ${eventLink('error')}`
    : `nothing when it succeeds; ${eventLink('error')} when it does not`;
  return [
    anchor(`action-${name}`),
    `### ${code(name)}${flow.extension ? ' (extension)' : ''}`,
    ACTIONS[name].description ?? '',
    schemaDoc(ACTIONS[name]),
    `- **The caller gets:** ${replies}\n- **Others get:** ${flow.others}`,
    json(actionExample(name)),
  ];
}

function eventSection(type) {
  const senders = ACTION_NAMES.filter((name) => ACTION_FLOW[name].reply.includes(type));
  const answers = senders.length ? `Answers ${senders.map(actionLink).join(', ')}.` : '';
  return [
    anchor(`event-${type}`),
    `### ${code(type)}`,
    [EVENTS[type].description ?? '', answers].filter(Boolean).join(' '),
    schemaDoc(EVENTS[type]),
    json(eventExample(type)),
  ];
}

function routeSection(route) {
  const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
  let url = route.path;
  for (const param of params) url = url.replace(`:${param}`, SAMPLES[param] ?? param);
  const query = route.query ? exampleOf(plain(route.query), route.path) : {};
  const search = new URLSearchParams(Object.entries(query).map(([key, value]) => [key, String(value)])).toString();
  const out = [
    `### ${code(`${route.method} ${route.path}`)}`,
    route.description,
    `- **Auth:** ${route.auth ? 'Bearer token (`Authorization: Bearer <token>`); without a valid one, 401' : 'none'}` +
      `\n- **Success status:** ${route.status}` +
      (params.length ? `\n- **Path parameters:** ${params.map(code).join(', ')}` : ''),
  ];
  if (route.query) out.push('**Query**', schemaDoc(plain(route.query)));
  if (route.body) out.push('**Body** (JSON)', schemaDoc(plain(route.body)));
  out.push('**Answer**', schemaDoc(plain(route.answer)));
  const body = route.body ? ` ${JSON.stringify(exampleOf(plain(route.body), route.path))}` : '';
  out.push(
    `Example: ${code(`${route.method} ${url}${search ? `?${search}` : ''}${body}`)} →`,
    json(exampleOf(plain(route.answer), route.path)),
  );
  return out;
}

function protocolMd() {
  const echoing = SERVER_EVENT_TYPES.filter((type) => 'request_id' in (EVENTS[type].properties ?? {}));
  const authTimeout = TIMINGS.authTimeoutMs / 1000;
  const session = [
    ['→', actionExample('auth')],
    ['←', eventExample('auth_ok')],
    ['→', actionExample('send_message')],
    ['←', eventExample('ack')],
    ['←', eventExample('message_created')],
  ];
  const sections = [
    `<!-- ${GENERATED} -->`,
    '# Papo protocol reference',
    `Protocol version ${VERSION} (\`@papo/protocol\`). Every table and example below is generated from the TypeBox ` +
      'schemas of packages/protocol, which the server validates with; [asyncapi.yaml](./asyncapi.yaml) holds the ' +
      'same schemas as an AsyncAPI 3.0.0 document.',
    '**Contents:** [Transport](#transport) · [Authentication](#authentication) · [Actions](#actions) · ' +
      '[Server events](#server-events) · [Errors](#errors) · [HTTP routes](#http-routes) · ' +
      '[Redis keys](#redis-keys) · [Limits and timings](#limits-and-timings)',

    '## Transport',
    '- One port (env `PORT`, default `8080`) serves HTTP and the WebSocket. The WebSocket endpoint is `GET /ws`.\n' +
      '- Every frame is one JSON object in one UTF-8 text frame.\n' +
      '- Timestamps are Unix **seconds** (integers); a field carries milliseconds only when its name ends in `_ms`.\n' +
      `- A frame over ${LIMITS.maxFrameBytes} bytes (the default limit) closes the connection with ` +
      `${CLOSE_CODES.messageTooBig}. A binary frame gets the error \`bad_frame\`, a frame that is not a JSON object ` +
      'gets `bad_json`, an unknown `action` gets `unknown_action`, and `data` that does not match the action’s ' +
      'schema gets `invalid_payload`; in all these cases the connection stays open.',
    '**Client → server** (the envelope; `data` is described under each action):',
    table(
      FIELD_HEAD,
      fieldRows(ENVELOPE).map(([field, ...rest]) => [field, ...rest.slice(0, 3), ENVELOPE_NOTES[field.slice(1, -1)]]),
    ),
    '**Server → client:** `{ "type": string, ... }`, one of the [server events](#server-events). A reply to a ' +
      'frame that carried `request_id` echoes it; the events that can carry it are ' +
      `${echoing.map(eventLink).join(', ')}. The others are not replies and never carry it.`,
    '**Close codes**',
    table(
      ['code', 'name', 'meaning'],
      Object.entries(CLOSE_CODES).map(([name, value]) => [code(value), code(name), CLOSE_NOTES[name] ?? '']),
    ),
    '**A session, end to end** (→ client to server, ← server to client):',
    `\`\`\`text\n${session.map(([dir, frame]) => `${dir} ${JSON.stringify(frame)}`).join('\n')}\n\`\`\``,

    '## Authentication',
    '1. Get a token over HTTP: `POST /api/login` (a temporary account), or `POST /api/login/code` then ' +
      `\`POST /api/login/verify\` (phone or e-mail). A token is valid for ${TIMINGS.tokenTtlSeconds} s; the ` +
      '`refresh_token` that comes with it gets a new one at `POST /api/token/refresh` (it rotates: presenting one ' +
      `already used ends the session), for ${TIMINGS.sessionTtlSeconds / 86_400} days after its last use.\n` +
      '2. Open `/ws` and authenticate in one of three ways:\n' +
      `   - send the ${actionLink('auth')} frame: \`${JSON.stringify(actionExample('auth'))}\` ` +
      '(username and avatar_url, when given, update the profile);\n' +
      `   - put the token in the URL: \`ws://localhost:8080/ws?token=${SAMPLES.token}\` (extension);\n` +
      '   - send it in the upgrade request’s header `Authorization: Bearer <token>` (extension; browsers cannot ' +
      'set it, other clients can).\n\n' +
      '   With a token in the upgrade request the server authenticates at once, without an `auth` frame.\n' +
      `3. The server answers ${eventLink('auth_ok')} \`{ token, user_id, chats }\`: \`chats\` lists every chat ` +
      'the user is a member of (an open connection outlives its token; ending the session closes it with ' +
      `${CLOSE_CODES.authFailed}). The user is now online ` +
      'and the connection receives the events of all those chats.\n' +
      `4. Before \`auth_ok\`, any other action gets \`unauthenticated\`. A connection that has not authenticated ` +
      `within ${authTimeout} s is closed with ${CLOSE_CODES.authFailed}; \`auth\` with an unknown or expired token ` +
      `gets \`invalid_token\` and the connection is closed with ${CLOSE_CODES.authFailed}.\n` +
      '5. A user stays online while any of their connections is open, on any worker or server instance.',

    '## Actions',
    `Client frames: \`{ "action", "data", "request_id"? }\`. ${ACTION_NAMES.map(actionLink).join(' · ')}`,
    ...ACTION_NAMES.flatMap(actionSection),

    '## Server events',
    SERVER_EVENT_TYPES.map(eventLink).join(' · '),
    ...SERVER_EVENT_TYPES.flatMap(eventSection),
    ...Object.entries(NAMED).flatMap(([id, s]) => [
      anchor(`type-${id.toLowerCase()}`),
      `### ${id}`,
      s.description ?? '',
      schemaDoc(s),
    ]),

    '## Errors',
    'Every refusal is one `error` frame (see [`error`](#event-error)); the connection stays open unless said ' +
      'otherwise. HTTP routes answer with the status below and a body `{ "error", "message", "retry_after"? }`.',
    table(
      ['code', 'HTTP status', 'meaning'],
      Object.entries(ERROR_CODES).map(([name, meaning]) => [code(name), HTTP_STATUS[name], meaning]),
    ),
    '**HTTP error body**',
    schemaDoc(plain(P.HttpError)),

    '## HTTP routes',
    'JSON in and out, on the same port as the WebSocket.',
    ...Object.values(HTTP_ROUTES).flatMap(routeSection),

    ...redisSection(),

    '## Limits and timings',
    '**Limits** (`LIMITS`)',
    notedTable(LIMITS, LIMIT_NOTES, 'LIMITS'),
    '**Timings** (`TIMINGS`)',
    notedTable(TIMINGS, TIMING_NOTES, 'TIMINGS'),
  ];
  return biomeFormat(`${sections.filter((part) => part !== '').join('\n\n')}\n`, 'docs/protocol.md');
}

/** Biome formats Markdown too (`npm run lint` checks docs/protocol.md): write what it would, table padding included. */
function biomeFormat(text, path) {
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  return execFileSync(process.execPath, [biome, 'format', `--stdin-file-path=${path}`], {
    cwd: ROOT,
    input: text,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// docs/asyncapi.yaml

const KEY_ORDER = (
  '$ref type const description format pattern minLength maxLength minimum maximum exclusiveMinimum exclusiveMaximum ' +
  'default items properties required additionalProperties anyOf'
).split(' ');
const rank = (key) => (KEY_ORDER.includes(key) ? KEY_ORDER.indexOf(key) : KEY_ORDER.length);

/** A plain schema for AsyncAPI: named (`$id`) sub-schemas moved to components.schemas and referenced. */
function toAsyncSchema(s, named) {
  if (s.$id) {
    const { $id, ...rest } = s;
    const hoisted = toAsyncSchema(rest, named);
    if (named[$id] && JSON.stringify(named[$id]) !== JSON.stringify(hoisted)) {
      throw new Error(`gen-docs: two different schemas have the $id "${$id}"`);
    }
    named[$id] = hoisted;
    return { $ref: `#/components/schemas/${$id}` };
  }
  const out = {};
  for (const key of Object.keys(s).sort((a, b) => rank(a) - rank(b))) {
    const value = s[key];
    if (key === 'properties') {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, toAsyncSchema(sub, named)]));
    } else if (key === 'items') out[key] = toAsyncSchema(value, named);
    else if (key === 'anyOf') out[key] = value.map((sub) => toAsyncSchema(sub, named));
    else out[key] = value;
  }
  return out;
}

function asyncApiYaml() {
  const named = {};
  const schemas = {};
  const messages = {};
  const operations = {};
  const ref = (path) => ({ $ref: path });
  const channelMessage = (id) => ref(`#/channels/ws/messages/${id}`);
  const envelope = toAsyncSchema(ENVELOPE, named);

  for (const name of ACTION_NAMES) {
    const id = `action.${name}`;
    const flow = ACTION_FLOW[name];
    schemas[id] = toAsyncSchema(ACTIONS[name], named);
    messages[id] = {
      name: id,
      title: `${name} (client → server)`,
      summary: ACTIONS[name].description,
      contentType: 'application/json',
      payload: {
        type: 'object',
        properties: {
          action: { type: 'string', const: name },
          data: ref(`#/components/schemas/${id}`),
          request_id: envelope.properties.request_id,
        },
        required: ['action', 'data'],
      },
      examples: [{ name, payload: actionExample(name) }],
    };
    operations[`send.${name}`] = {
      action: 'send',
      channel: ref('#/channels/ws'),
      title: `Send ${name}`,
      summary: ACTIONS[name].description,
      description: `The caller gets: ${flow.reply.length ? flow.reply.join(', ') : 'nothing on success'} (or error). Others get: ${flow.others}.`,
      messages: [channelMessage(id)],
      reply: {
        channel: ref('#/channels/ws'),
        messages: [...flow.reply, 'error'].map((t) => channelMessage(`event.${t}`)),
      },
    };
  }
  for (const type of SERVER_EVENT_TYPES) {
    const id = `event.${type}`;
    schemas[id] = toAsyncSchema(EVENTS[type], named);
    messages[id] = {
      name: id,
      title: `${type} (server → client)`,
      summary: EVENTS[type].description,
      contentType: 'application/json',
      payload: ref(`#/components/schemas/${id}`),
      examples: [{ name: type, payload: eventExample(type) }],
    };
    operations[`receive.${type}`] = {
      action: 'receive',
      channel: ref('#/channels/ws'),
      title: `Receive ${type}`,
      summary: EVENTS[type].description,
      messages: [channelMessage(id)],
    };
  }

  const doc = {
    asyncapi: '3.0.0',
    info: {
      title: 'Papo',
      version: VERSION,
      description:
        'Papo’s WebSocket protocol: JSON text frames, client frames `{ action, data, request_id? }`, server frames ' +
        '`{ type, ... }`. Written from a client’s side: `send` operations are client actions, `receive` operations ' +
        'server events. docs/protocol.md has the full reference (auth flow, errors, HTTP routes, Redis keys).',
      license: { name: 'MIT' },
    },
    defaultContentType: 'application/json',
    servers: { local: { host: 'localhost:8080', protocol: 'ws', description: 'A local server on the default port.' } },
    channels: {
      ws: {
        address: '/ws',
        title: 'The WebSocket',
        description: `Authenticate first with the auth action, or with a token in the upgrade request. Frames over ${LIMITS.maxFrameBytes} bytes close the connection with ${CLOSE_CODES.messageTooBig}.`,
        messages: Object.fromEntries(Object.keys(messages).map((id) => [id, ref(`#/components/messages/${id}`)])),
        bindings: {
          ws: {
            method: 'GET',
            query: {
              type: 'object',
              properties: { token: { type: 'string', description: 'A login token (extension).' } },
            },
            headers: {
              type: 'object',
              properties: {
                Authorization: { type: 'string', pattern: '^Bearer .+$', description: 'A login token (extension).' },
              },
            },
            bindingVersion: '0.1.0',
          },
        },
      },
    },
    operations,
    components: { schemas: { ...named, ...schemas }, messages },
  };
  return `# ${GENERATED.replaceAll('`', '')}\n${stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

// ---------------------------------------------------------------------------------------------------------------

const outputs = { 'docs/protocol.md': protocolMd(), 'docs/asyncapi.yaml': asyncApiYaml() };

if (process.argv.includes('--check')) {
  let stale = 0;
  for (const [file, text] of Object.entries(outputs)) {
    const path = join(ROOT, file);
    const problem = !existsSync(path) ? 'is missing' : readFileSync(path, 'utf8') !== text ? 'is stale' : '';
    if (problem) console.error(`${file} ${problem} (it must match packages/protocol): run npm run docs`);
    if (problem) stale += 1;
  }
  process.exit(stale ? 1 : 0);
}
mkdirSync(join(ROOT, 'docs'), { recursive: true });
for (const [file, text] of Object.entries(outputs)) {
  writeFileSync(join(ROOT, file), text);
  console.log(`wrote ${file}`);
}
