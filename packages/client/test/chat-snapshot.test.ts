import type { Message } from '@papo/protocol';
import { describe, expect, it } from 'vitest';
import { ChatLog } from '../src/chat-log.js';
import { restoreInto, snapshotOf } from '../src/chat-snapshot.js';

const message = (id: number): Message => ({ id, sender_id: 'u_a', body: `m${id}`, msg_type: 'text', created_at: 1 });

describe('chat snapshots (an app cache of chat logs)', () => {
  it('keeps the position, change id, marks and newest messages, and restores them into a fresh log', () => {
    const log = new ChatLog('c');
    log.position = 0;
    for (let id = 1; id <= 5; id++) log.accept(message(id));
    log.accept(message(8)); // beyond a gap: not accounted for, not kept
    log.changeId = 4;
    log.kind = 'group';
    log.receivedId = 3;
    log.readId = 2;
    const snapshot = snapshotOf(log, 3)!;
    expect(snapshot).toMatchObject({
      chat_id: 'c',
      kind: 'group',
      position: 5,
      change_id: 4,
      received_id: 3,
      read_id: 2,
    });
    expect(snapshot.messages.map((m) => m.id)).toEqual([3, 4, 5]);
    // Stored as the server's messages: no chat_id or state of the client's.
    expect(Object.keys(snapshot.messages[0]!)).not.toContain('chat_id');

    const fresh = new ChatLog('c');
    expect(restoreInto(fresh, snapshot)).toBe(true);
    expect(fresh.position).toBe(5);
    expect(fresh.changeId).toBe(4);
    expect(fresh.messages.map((m) => m.id)).toEqual([3, 4, 5]);
    // Live delivery goes on from the position: 6 is released, 7 is a gap.
    expect(fresh.accept(message(6)).released.map((m) => m.id)).toEqual([6]);
    expect(fresh.accept(message(8)).gap).toBe(true);
  });

  it('has nothing to say of a log not placed, and leaves a log already placed alone', () => {
    expect(snapshotOf(new ChatLog('c'), 50)).toBeUndefined();
    const placed = new ChatLog('c');
    placed.position = 9;
    expect(restoreInto(placed, { chat_id: 'c', position: 5, received_id: 0, read_id: 0, messages: [message(5)] })).toBe(
      false,
    );
    expect(placed.position).toBe(9);
    expect(placed.messages).toEqual([]);
  });
});
