import { createHash } from 'node:crypto';
import type { LoginAnswer } from '@papo/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDm, createPublicChat, joinChat, sendMessage, sendText } from './helpers/chat-actions.js';
import { api, login, uniq } from './helpers/http.js';
import { startPushReceiver } from './helpers/push-receiver.js';
import { redisClient } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { connectAuthed, connectWithToken } from './helpers/session.js';
import { waitFor } from './helpers/wait.js';

// Contract section 13: who is pushed a new message, what the push carries, and what becomes of pushes the push
// service refuses or cannot take now. The push service is the tests' own receiver, which checks the VAPID JWT
// and decrypts each push as a browser would.

const P = `${uniq('pushq')}:`;
const IDLE_S = 1;
let server: ServerProcess;
let receiver: Awaited<ReturnType<typeof startPushReceiver>>;

beforeAll(async () => {
  receiver = await startPushReceiver();
  server = await startServer({
    env: {
      REDIS_KEY_PREFIX: P,
      PUSH_ALLOW_INSECURE_ENDPOINTS: '1',
      PUSH_IDLE_S: String(IDLE_S),
      PUSH_RETRY_BASE_MS: '300',
      PUSH_RETRIES: '2',
      PUSH_CLAIM_IDLE_MS: '1000',
    },
  });
});

const topicOf = (chatId: string) => createHash('sha256').update(chatId).digest('base64url').slice(0, 32);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A device of the user, subscribed; its pushes are answered `status`. */
async function subscribed(user: LoginAnswer, status = 201, base = server.url) {
  const device = receiver.device(status);
  const answer = await api(base, '/api/push/subscriptions', { token: user.token, body: device.subscription });
  expect(answer.status).toBe(204);
  return device;
}

/** A code login (this server answers codes): the same address is the same account, a new session each time. */
async function codeLogin(email: string): Promise<LoginAnswer> {
  const asked = await api(server.url, '/api/login/code', { body: { email } });
  const body = { email, code: asked.body.dev_code, challenge_id: asked.body.challenge_id };
  const reply = await api(server.url, '/api/login/verify', { body });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body as LoginAnswer;
}

/** The previews of the message pushes a device got, in order. */
function previews(deviceId: string): unknown[] {
  return receiver
    .payloads(deviceId)
    .filter((p) => p.type === 'message')
    .map((p) => p.preview);
}

/** Waits until the device got a message push with this preview; returns that push. */
async function pushed(deviceId: string, preview: string) {
  await waitFor(
    () => previews(deviceId),
    (all) => all.includes(preview),
    { what: `a push "${preview}"` },
  );
  return receiver.payloads(deviceId).find((p) => p.preview === preview) as Record<string, unknown>;
}

/** Waits until every queued push was decided and done (an entry is deleted once done). */
async function queueDone(): Promise<void> {
  const redis = redisClient();
  await waitFor(
    () => redis.xlen(`${P}push:queue`),
    (n) => n === 0,
    { what: 'the push queue done' },
  );
}

/** Waits until none of the user's connections is recorded (a closed socket's records go in the background). */
async function noConnections(userId: string): Promise<void> {
  const redis = redisClient();
  await waitFor(
    () => redis.hlen(`${P}presence:conns:{${userId}}`),
    (n) => n === 0,
    { what: 'the connections to be gone' },
  );
}

describe('a new message is pushed to a user who is away', () => {
  it('with no connection: the chat, the sender and a preview, encrypted for the device; one Topic per chat', async () => {
    const alice = await connectAuthed(server, uniq('alice-'));
    const bob = await login(server.url, uniq('bob-'));
    const { chat_id } = await createDm(alice.client, bob.user_id);
    const device = await subscribed(bob);
    const ack = await sendText(alice.client, chat_id, 'Dinner at 8?\nBring   the wine');

    const push = await pushed(device.id, 'Dinner at 8? Bring the wine');
    expect(push).toEqual({
      type: 'message',
      chat_id,
      message_id: ack.server_msg_id,
      title: alice.username,
      sender_name: alice.username,
      preview: 'Dinner at 8? Bring the wine',
      kind: 'dm',
      sent_at: expect.any(Number),
    });
    const raw = receiver.received.find((r) => r.device === device.id);
    expect(raw?.topic).toBe(topicOf(chat_id));
    expect(raw?.urgency).toBe('high');
    expect(Number(raw?.ttl)).toBe(86_400);
    expect(receiver.rejected).toEqual([]);
  });

  it('a send repeated after a lost ack (the same client_msg_id) is pushed once', async () => {
    const alice = await connectAuthed(server, uniq('alice-'));
    const bob = await login(server.url, uniq('bob-'));
    const { chat_id } = await createDm(alice.client, bob.user_id);
    const device = await subscribed(bob);
    const first = await sendText(alice.client, chat_id, 'only once', 'cm-once-1');
    const again = await sendText(alice.client, chat_id, 'only once', 'cm-once-1');
    expect(again.server_msg_id).toBe(first.server_msg_id);
    await pushed(device.id, 'only once');
    await queueDone();
    expect(previews(device.id)).toEqual(['only once']);
  });

  it('never their own messages, on none of their devices', async () => {
    const alice = await connectAuthed(server, uniq('alice-'));
    const aliceLogin: LoginAnswer = { token: alice.token, user_id: alice.userId } as LoginAnswer;
    const bob = await login(server.url, uniq('bob-'));
    const { chat_id } = await createDm(alice.client, bob.user_id);
    const alicePhone = await subscribed(aliceLogin);
    const bobPhone = await subscribed(bob);
    // Alice's phone is away (her only connection is this test's socket, active): hidden for the rule to apply.
    alice.client.send('set_active', { active: false });
    await sleep(IDLE_S * 1000 + 200);
    await sendText(alice.client, chat_id, 'mine 1');
    await sendText(alice.client, chat_id, 'mine 2');
    await pushed(bobPhone.id, 'mine 2');
    await queueDone();
    expect(previews(alicePhone.id)).toEqual([]);
  });

  it('not while a connection is active; once every one has been hidden for PUSH_IDLE_S; at once when none is open', async () => {
    const redis = redisClient();
    const alice = await connectAuthed(server, uniq('alice-'));
    const bob = await login(server.url, uniq('bob-'));
    const { chat_id } = await createDm(alice.client, bob.user_id);
    const device = await subscribed(bob);
    const laptop = await connectWithToken(server, bob.token);
    const phone = await connectWithToken(server, bob.token);

    await sendText(alice.client, chat_id, 'while you look');
    laptop.send('set_active', { active: false });
    phone.send('set_active', { active: false });
    await waitFor(
      () => redis.hlen(`${P}presence:hidden:{${bob.user_id}}`),
      (n) => n === 2,
      { what: 'both connections noted hidden' },
    );
    await sleep(IDLE_S * 1000 + 200);
    await sendText(alice.client, chat_id, 'hidden a while');
    await pushed(device.id, 'hidden a while');

    // The phone is looked at again: nothing is pushed while it is.
    phone.send('set_active', { active: true });
    await waitFor(
      () => redis.hlen(`${P}presence:hidden:{${bob.user_id}}`),
      (n) => n === 1,
      { what: 'the phone noted active' },
    );
    await sendText(alice.client, chat_id, 'phone in hand');
    // Decided before the phone goes.
    await queueDone();
    await phone.close();
    await laptop.close();
    await noConnections(bob.user_id);
    await sendText(alice.client, chat_id, 'all closed');
    await pushed(device.id, 'all closed');
    // In order, and none of what came while a connection was active.
    expect(previews(device.id)).toEqual(['hidden a while', 'all closed']);
  });

  it('a muted chat is silent unless the message mentions the user; a group is titled by its name', async () => {
    const carol = await connectAuthed(server, uniq('carol-'));
    const bob = await login(server.url, uniq('bob-'));
    const device = await subscribed(bob);
    // Subscribed first, added after: the new chat enrols them.
    const created = await carol.client.request('create_group', { title: 'Family', member_ids: [bob.user_id] });
    const chatId = created.chat_id as string;
    const bobConn = await connectWithToken(server, bob.token);
    const muted = await bobConn.request('mute_chat', { chat_id: chatId, until: Math.floor(Date.now() / 1000) + 3600 });
    expect(muted.type).toBe('chat_muted');
    await bobConn.close();
    await noConnections(bob.user_id);

    await sendText(carol.client, chatId, 'muted plain');
    await queueDone();
    await sendMessage(carol.client, { chat_id: chatId, body: '@bob are you coming?', mentions: [bob.user_id] });
    const push = await pushed(device.id, '@bob are you coming?');
    expect(push).toMatchObject({ title: 'Family', sender_name: carol.username, kind: 'group', mention: true });
    expect(previews(device.id)).toEqual(['@bob are you coming?']);
  });

  it('a public chat pushes the members it mentions only', async () => {
    const host = await connectAuthed(server, uniq('host-'));
    const bob = await login(server.url, uniq('bob-'));
    const device = await subscribed(bob);
    const chatId = await createPublicChat(host.client, 'Neighbours');
    const bobConn = await connectWithToken(server, bob.token);
    await joinChat(bobConn, chatId);
    await bobConn.close();
    await noConnections(bob.user_id);

    await sendText(host.client, chatId, 'to everyone');
    await queueDone();
    await sendMessage(host.client, { chat_id: chatId, body: 'bob, your parcel', mentions: [bob.user_id] });
    const push = await pushed(device.id, 'bob, your parcel');
    expect(push).toMatchObject({ title: 'Neighbours', kind: 'public', mention: true });
    await queueDone();
    expect(previews(device.id)).toEqual(['bob, your parcel']);
  });

  it('a member who left is pushed nothing more', async () => {
    const carol = await connectAuthed(server, uniq('carol-'));
    const bob = await login(server.url, uniq('bob-'));
    const device = await subscribed(bob);
    const created = await carol.client.request('create_group', { title: 'Team', member_ids: [bob.user_id] });
    const chatId = created.chat_id as string;
    await sendText(carol.client, chatId, 'before leaving');
    await pushed(device.id, 'before leaving');

    const bobConn = await connectWithToken(server, bob.token);
    expect((await bobConn.request('leave_chat', { chat_id: chatId })).type).toBe('left');
    await bobConn.close();
    await noConnections(bob.user_id);
    await sendText(carol.client, chatId, 'after leaving');
    await queueDone();
    expect(previews(device.id)).toEqual(['before leaving']);
    expect(await redisClient().hexists(`${P}chat:{${chatId}}:push`, bob.user_id)).toBe(0);
  });
});

describe('subscribing again', () => {
  it('the same subscription sent again (each app start) writes nothing and enrols nowhere; new keys enrol again', async () => {
    const redis = redisClient();
    const alice = await connectAuthed(server, uniq('alice-'));
    const bob = await login(server.url, uniq('bob-'));
    const { chat_id } = await createDm(alice.client, bob.user_id);
    const device = await subscribed(bob);
    const pushKey = `${P}chat:{${chat_id}}:push`;
    expect(await redis.hexists(pushKey, bob.user_id)).toBe(1);
    const subsKey = `${P}push:subs:{${bob.user_id}}`;
    const first = await redis.hget(subsKey, device.subscription.endpoint);
    // As if the enrolment had been lost: an unchanged subscription does not enrol again (within a day)…
    await redis.hdel(pushKey, bob.user_id);
    const again = await api(server.url, '/api/push/subscriptions', { token: bob.token, body: device.subscription });
    expect(again.status).toBe(204);
    expect(await redis.hget(subsKey, device.subscription.endpoint)).toBe(first);
    expect(await redis.hexists(pushKey, bob.user_id)).toBe(0);
    // …one with new keys (the push service renewed it) is kept and enrols the user everywhere again.
    const renewed = { ...device.subscription, keys: receiver.device().subscription.keys };
    expect((await api(server.url, '/api/push/subscriptions', { token: bob.token, body: renewed })).status).toBe(204);
    expect(await redis.hexists(pushKey, bob.user_id)).toBe(1);
    expect(JSON.parse((await redis.hget(subsKey, device.subscription.endpoint)) ?? '{}').keys).toEqual(renewed.keys);
  });
});

describe('a device logged out is pushed nothing more', () => {
  it('logout drops its subscription; a session gone by other means (revoked, expired) is skipped and dropped', async () => {
    const redis = redisClient();
    const alice = await connectAuthed(server, uniq('alice-'));
    // Bob logs in on three devices (a code login: one account, a session each).
    const email = `${uniq('bob')}@example.com`;
    const [phone, tablet, laptop] = [await codeLogin(email), await codeLogin(email), await codeLogin(email)];
    const { chat_id } = await createDm(alice.client, phone.user_id);
    const phoneDevice = await subscribed(phone);
    const tabletDevice = await subscribed(tablet);
    const laptopDevice = await subscribed(laptop);
    const subsKey = `${P}push:subs:{${phone.user_id}}`;
    expect(JSON.parse((await redis.hget(subsKey, phoneDevice.subscription.endpoint)) ?? '{}').session).toMatch(/^s_/);

    expect((await api(server.url, '/api/logout', { token: phone.token, body: {} })).status).toBeLessThan(300);
    expect(await redis.hexists(subsKey, phoneDevice.subscription.endpoint)).toBe(0);
    // The tablet's session disappears without a logout (as an expiry would: its key gone).
    await redis.del(`${P}session:${tablet.token.slice(0, tablet.token.indexOf('.'))}`);

    await sendText(alice.client, chat_id, 'after two left');
    await pushed(laptopDevice.id, 'after two left');
    await queueDone();
    expect(previews(phoneDevice.id)).toEqual([]);
    expect(previews(tabletDevice.id)).toEqual([]);
    expect(await redis.hexists(subsKey, tabletDevice.subscription.endpoint)).toBe(0);
  });
});

describe('a read on one device closes the notification on the others', () => {
  it('a silent push of type read, with the chat’s Topic, once per push', async () => {
    const redis = redisClient();
    const alice = await connectAuthed(server, uniq('alice-'));
    const bob = await login(server.url, uniq('bob-'));
    const { chat_id } = await createDm(alice.client, bob.user_id);
    const device = await subscribed(bob);
    const ack = await sendText(alice.client, chat_id, 'read me');
    await pushed(device.id, 'read me');
    await waitFor(
      () => redis.hget(`${P}chat:{${chat_id}}:push`, bob.user_id),
      (id) => id === String(ack.server_msg_id),
      { what: 'the push noted' },
    );

    const bobConn = await connectWithToken(server, bob.token);
    bobConn.send('read_receipt', { chat_id, message_id: ack.server_msg_id });
    await waitFor(
      () => receiver.payloads(device.id).filter((p) => p.type === 'read'),
      (reads) => reads.length === 1,
      { what: 'the read push' },
    );
    const read = receiver.received.filter((r) => r.device === device.id).at(-1);
    expect(JSON.parse(read?.payload ?? '{}')).toEqual({ type: 'read', chat_id, message_id: ack.server_msg_id });
    expect(read?.topic).toBe(topicOf(chat_id));
    expect(read?.urgency).toBe('normal');
    expect(await redis.hget(`${P}chat:{${chat_id}}:push`, bob.user_id)).toBe('0');

    // Read again with nothing pushed since: nothing to close, no push. (A DM message next is the sentinel.)
    bobConn.send('read_receipt', { chat_id, message_id: ack.server_msg_id });
    await bobConn.close();
    await noConnections(bob.user_id);
    await sendText(alice.client, chat_id, 'next');
    await pushed(device.id, 'next');
    expect(receiver.payloads(device.id).map((p) => p.type)).toEqual(['message', 'read', 'message']);
  });
});

describe('what the push service answers', () => {
  it('404 and 410 drop the subscription (and the chat’s push list when it was the last)', async () => {
    const redis = redisClient();
    const alice = await connectAuthed(server, uniq('alice-'));
    const bob = await login(server.url, uniq('bob-'));
    const { chat_id } = await createDm(alice.client, bob.user_id);
    const gone = await subscribed(bob, 410);
    expect(await redis.hget(`${P}chat:{${chat_id}}`, 'push')).toBe('1');
    await sendText(alice.client, chat_id, 'to a phone that is gone');
    await waitFor(
      () => redis.hexists(`${P}push:subs:{${bob.user_id}}`, gone.subscription.endpoint),
      (n) => n === 0,
      { what: 'the subscription dropped' },
    );
    await waitFor(
      () => redis.hget(`${P}chat:{${chat_id}}`, 'push'),
      (flag) => flag === null,
      { what: 'the chat no longer flagged' },
    );
  });

  it('429 and 5xx are tried again with a growing delay, and given up after PUSH_RETRIES', async () => {
    const redis = redisClient();
    const alice = await connectAuthed(server, uniq('alice-'));
    const bob = await login(server.url, uniq('bob-'));
    const { chat_id } = await createDm(alice.client, bob.user_id);
    const busy = await subscribed(bob, 503);
    await sendText(alice.client, chat_id, 'busy service');
    // The first try and two more (PUSH_RETRIES=2), then the retry list holds nothing for it.
    await waitFor(
      () => receiver.received.filter((r) => r.device === busy.id).length,
      (n) => n === 3,
      { what: 'three tries' },
    );
    await waitFor(
      () => redis.zcard(`${P}push:retry`),
      (n) => n === 0,
      { what: 'the retry list empty' },
    );
    const times = receiver.received.filter((r) => r.device === busy.id).map((r) => r.at);
    // 300 ms, then 1.8 s (×6): each wait at least its delay.
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(300);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(1800);
    expect(await redis.hexists(`${P}push:subs:{${bob.user_id}}`, busy.subscription.endpoint)).toBe(1);

    // A service busy once, then fine: delivered by the retry, once.
    const once = await subscribed(bob, 429);
    await sendText(alice.client, chat_id, 'busy once');
    await waitFor(
      () => receiver.received.filter((r) => r.device === once.id).length,
      (n) => n === 1,
      { what: 'the first try' },
    );
    receiver.answerWith(once.id, 201);
    await waitFor(
      () => receiver.payloads(once.id, receiver.accepted).length,
      (n) => n === 1,
      { what: 'the retry delivered' },
    );
    await waitFor(
      () => redis.zcard(`${P}push:retry`),
      (n) => n === 0,
      { what: 'the retry list empty' },
    );
  });

  it('/metrics: pushes sent and failed by reason, the queues, the subscriptions', async () => {
    const res = await fetch(`${server.metricsUrl}/metrics`);
    const text = await res.text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    expect(value('papo_push_sent_total\\{type="message"\\}')).toBeGreaterThan(0);
    expect(value('papo_push_sent_total\\{type="read"\\}')).toBeGreaterThan(0);
    expect(value('papo_push_failed_total\\{reason="gone"\\}')).toBeGreaterThan(0);
    expect(value('papo_push_failed_total\\{reason="server_error"\\}')).toBeGreaterThan(0);
    expect(value('papo_push_failed_total\\{reason="rate_limited"\\}')).toBeGreaterThan(0);
    expect(value('papo_push_failed_total\\{reason="gave_up"\\}')).toBeGreaterThan(0);
    expect(value('papo_push_subscriptions')).toBeGreaterThan(0);
    expect(value('papo_push_queue_length')).toBeGreaterThanOrEqual(0);
    expect(value('papo_push_retry_queue_length')).toBeGreaterThanOrEqual(0);
  });
});

describe('PUSH_PREVIEW=none', () => {
  it('says "New message" in place of the text; the title and sender stay', async () => {
    const quiet = await startServer({
      env: { REDIS_KEY_PREFIX: `${uniq('pushq-none')}:`, PUSH_ALLOW_INSECURE_ENDPOINTS: '1', PUSH_PREVIEW: 'none' },
    });
    const alice = await connectAuthed(quiet, uniq('alice-'));
    const bob = await login(quiet.url, uniq('bob-'));
    const { chat_id } = await createDm(alice.client, bob.user_id);
    const device = await subscribed(bob, 201, quiet.url);
    await sendText(alice.client, chat_id, 'a secret');
    const push = await pushed(device.id, 'New message');
    expect(push).toMatchObject({ title: alice.username, sender_name: alice.username });
    expect(JSON.stringify(receiver.payloads(device.id))).not.toContain('a secret');
  });
});
