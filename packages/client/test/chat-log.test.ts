import type { Message } from '@papo/protocol';
import { describe, expect, it } from 'vitest';
import { fullJitter } from '../src/backoff.js';
import { ChatLog } from '../src/chat-log.js';

const message = (id: number): Message => ({ id, sender_id: 'u_a', body: `m${id}`, msg_type: 'text', created_at: 1 });
const released = (log: ChatLog, id: number) => log.accept(message(id)).released.map((m) => m.id);

describe('ChatLog', () => {
  it('a changed message replaces the held copy, never with an older state, also when it arrives first', () => {
    const log = new ChatLog('c');
    log.position = 0;
    released(log, 1);
    expect(log.update({ ...message(1), body: 'v2' }, 5)?.body).toBe('v2');
    // A sync's update read before change 5 (its change id 4) is older: ignored.
    expect(log.update({ ...message(1), body: 'v1' }, 4)).toBeUndefined();
    expect(log.messages[0]?.body).toBe('v2');
    // The change of a message not held yet (beyond a gap) wins over the older copy the gap fill brings.
    log.update({ ...message(3), body: 'changed' }, 6);
    log.accept(message(3));
    log.accept(message(2));
    expect(log.messages.map((m) => m.body)).toEqual(['v2', 'm2', 'changed']);
    // A page of history, too.
    log.update({ ...message(9), body: 'old, changed' }, 7);
    expect(log.prepend([message(9)]).map((m) => m.body)).toEqual(['old, changed']);
    // After changes_reset, what was learnt says nothing: a copy read again replaces the held one.
    log.forgetChanges();
    expect(log.refresh({ ...message(3), body: 'reread' })?.body).toBe('reread');
  });

  it('releases in id order, holds what comes after a gap, drops repeats', () => {
    const log = new ChatLog('c');
    log.position = 0;
    expect(released(log, 1)).toEqual([1]);
    expect(log.accept(message(3))).toMatchObject({ released: [], gap: true });
    expect(log.accept(message(4))).toMatchObject({ released: [], gap: true });
    expect(released(log, 1)).toEqual([]);
    expect(log.accept(message(2))).toMatchObject({ gap: false });
    expect(log.messages.map((m) => m.id)).toEqual([1, 2, 3, 4]);
    expect(released(log, 3)).toEqual([]);
    expect(log.position).toBe(4);
  });

  it('an unplaced chat starts at its first live message; older pages are history', () => {
    const log = new ChatLog('c');
    expect(released(log, 7)).toEqual([7]);
    expect(log.prepend([message(5), message(6)]).map((m) => m.id)).toEqual([5, 6]);
    expect(log.messages.map((m) => m.id)).toEqual([5, 6, 7]);
    expect(log.oldestId).toBe(5);
  });

  it('skips ahead over messages the chat no longer keeps', () => {
    const log = new ChatLog('c');
    log.position = 2;
    log.accept(message(50));
    log.skipTo(50);
    expect(log.position).toBe(49);
    expect(released(log, 51)).toEqual([]);
    expect(log.accept(message(50)).released.map((m) => m.id)).toEqual([50, 51]);
  });
});

describe('full-jitter backoff', () => {
  it('is a random delay below min(cap, base·2^attempt)', () => {
    expect(fullJitter(0, 500, 15_000, () => 0.999)).toBe(499);
    expect(fullJitter(3, 500, 15_000, () => 0.5)).toBe(2000);
    expect(fullJitter(10, 500, 15_000, () => 0.999)).toBe(14_985);
    expect(fullJitter(10, 500, 15_000, () => 0)).toBe(0);
  });
});
