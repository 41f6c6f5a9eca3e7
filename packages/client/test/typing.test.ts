import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TypingNotifier } from '../src/typing.js';

describe('the typing helper', () => {
  let sent: Array<[string, boolean, number]>;
  let notifier: TypingNotifier;

  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    notifier = new TypingNotifier((chat, typing) => sent.push([chat, typing, Date.now()]), 2000, 3000);
  });
  afterEach(() => vi.useRealTimers());

  it('says true at most every 2 s while typing, then false after 3 s idle', () => {
    const start = Date.now();
    for (let t = 0; t <= 5000; t += 250) {
      notifier.keystroke('c1');
      vi.advanceTimersByTime(250);
    }
    const trues = sent.filter(([, typing]) => typing).map(([, , at]) => at - start);
    expect(trues).toEqual([0, 2000, 4000]);
    expect(sent.some(([, typing]) => !typing)).toBe(false);
    vi.advanceTimersByTime(2999 - 250);
    expect(sent.at(-1)?.[1]).toBe(true);
    vi.advanceTimersByTime(1);
    expect(sent.at(-1)).toEqual(['c1', false, start + 5250 + 2750]);
  });

  it('says false at once on send (stop), and nothing when it was not typing', () => {
    notifier.stop('c1');
    expect(sent).toEqual([]);
    notifier.keystroke('c1');
    notifier.stop('c1');
    expect(sent.map(([chat, typing]) => [chat, typing])).toEqual([
      ['c1', true],
      ['c1', false],
    ]);
    vi.advanceTimersByTime(10_000);
    expect(sent).toHaveLength(2);
  });

  it('keeps chats apart', () => {
    notifier.keystroke('a');
    notifier.keystroke('b');
    vi.advanceTimersByTime(3000);
    expect(sent.map(([chat, typing]) => `${chat}:${typing}`).sort()).toEqual([
      'a:false',
      'a:true',
      'b:false',
      'b:true',
    ]);
  });
});
