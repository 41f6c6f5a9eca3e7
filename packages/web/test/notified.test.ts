import { describe, expect, it } from 'vitest';
import { Notified } from '../src/state/notified';

const chat = (chat_id: string, lastId?: number) => ({
  chat_id,
  ...(lastId === undefined ? {} : { last_message: { id: lastId } }),
});

describe('which messages the page notifies', () => {
  it('nothing the first chat list holds, nor anything before that list is complete', () => {
    const notified = new Notified();
    expect(notified.take('c1', 5)).toBe(false);
    notified.listed([chat('c1', 7)], false);
    expect(notified.take('c2', 3)).toBe(false);
    notified.listed([chat('c1', 7), chat('c2', 4), chat('c3')], true);
    expect(notified.take('c1', 7)).toBe(false);
    expect(notified.take('c2', 4)).toBe(false);
    expect(notified.take('c1', 8)).toBe(true);
    expect(notified.take('c3', 1)).toBe(true);
  });

  it('each message once, whichever way it came first; never an older one after a newer', () => {
    const notified = new Notified();
    notified.listed([chat('c1', 2)], true);
    // The live event first, then a later list naming it.
    expect(notified.take('c1', 3)).toBe(true);
    expect(notified.take('c1', 3)).toBe(false);
    // A list first (a later list does not move where notifying starts), then the live event.
    notified.listed([chat('c1', 9)], true);
    expect(notified.take('c1', 9)).toBe(true);
    expect(notified.take('c1', 9)).toBe(false);
    expect(notified.take('c1', 6)).toBe(false);
    // A chat first seen after the first list: its first message is news.
    expect(notified.take('new', 1)).toBe(true);
  });

  it('starts quiet again for the next session', () => {
    const notified = new Notified();
    notified.listed([chat('c1', 2)], true);
    notified.clear();
    expect(notified.take('c1', 3)).toBe(false);
    notified.listed([chat('c1', 4)], true);
    expect(notified.take('c1', 4)).toBe(false);
    expect(notified.take('c1', 5)).toBe(true);
  });
});
