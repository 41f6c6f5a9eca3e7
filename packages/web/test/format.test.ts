import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pickLocale, translator } from '../src/i18n';
import { avatarColor, initials, previewText } from '../src/lib/people';
import { dayLabel, lastSeenText, listTime } from '../src/lib/time';
import { TypingTracker } from '../src/state/typing';

const en = translator('en');
const pt = translator('pt-BR');

/** Local noon of a given day, so "today" and "yesterday" do not depend on the machine's time zone. */
function at(year: number, month: number, day: number, hour = 12, minute = 0): number {
  return new Date(year, month - 1, day, hour, minute).getTime();
}
const seconds = (ms: number) => Math.floor(ms / 1000);

describe('language', () => {
  it('picks Brazilian Portuguese for any Portuguese, English otherwise', () => {
    expect(pickLocale(['pt-BR'])).toBe('pt-BR');
    expect(pickLocale(['pt-PT', 'en'])).toBe('pt-BR');
    expect(pickLocale(['fr-FR', 'en-GB'])).toBe('en');
    expect(pickLocale(['de'])).toBe('en');
    expect(pickLocale([])).toBe('en');
  });

  it('fills placeholders', () => {
    expect(en('conv.lastSeenMin', { count: 5 })).toBe('last seen 5 min ago');
    expect(pt('conv.lastSeenMin', { count: 5 })).toBe('visto por último há 5 min');
    expect(pt('title.unread', { count: 3 })).toBe('(3) Papo');
  });
});

describe('times', () => {
  const now = at(2026, 3, 18, 15, 30);

  it('the chat list shows a clock time today, "Yesterday", a weekday, then a date', () => {
    expect(listTime(seconds(at(2026, 3, 18, 9, 5)), now, 'pt-BR', pt)).toBe('09:05');
    expect(listTime(seconds(at(2026, 3, 17, 23, 59)), now, 'en', en)).toBe('Yesterday');
    expect(listTime(seconds(at(2026, 3, 14)), now, 'en', en)).toBe('Saturday');
    expect(listTime(seconds(at(2026, 1, 2)), now, 'pt-BR', pt)).toBe('02/01/2026');
  });

  it('date separators say Today, Yesterday, or the date', () => {
    expect(dayLabel(seconds(at(2026, 3, 18, 0, 1)), now, 'en', en)).toBe('Today');
    expect(dayLabel(seconds(at(2026, 3, 17)), now, 'pt-BR', pt)).toBe('Ontem');
    expect(dayLabel(seconds(at(2025, 12, 25)), now, 'en', en)).toBe('December 25, 2025');
  });

  it('"last seen" counts minutes within the hour, then gives the time', () => {
    expect(lastSeenText(seconds(now) - 20, now, 'en', en)).toBe('last seen just now');
    expect(lastSeenText(seconds(now) - 7 * 60, now, 'en', en)).toBe('last seen 7 min ago');
    expect(lastSeenText(seconds(at(2026, 3, 18, 9, 0)), now, 'pt-BR', pt)).toBe('visto por último hoje às 09:00');
    expect(lastSeenText(seconds(at(2026, 3, 17, 22, 15)), now, 'pt-BR', pt)).toBe('visto por último ontem às 22:15');
  });
});

describe('people', () => {
  it('initials take the first letters of the first two words', () => {
    expect(initials('Ana Maria Souza')).toBe('AM');
    expect(initials('zé')).toBe('Z');
    expect(initials('  ')).toBe('?');
    expect(initials('Émile Zola')).toBe('ÉZ');
  });

  it('previews are one line', () => {
    expect(previewText('  oi\n\ntudo   bem?  ')).toBe('oi tudo bem?');
  });

  it('avatar colours are stable and spread', () => {
    expect(avatarColor('u_abc')).toBe(avatarColor('u_abc'));
    const colours = new Set(Array.from({ length: 40 }, (_, i) => avatarColor(`u_${i.toString(36)}xyz`)));
    expect(colours.size).toBeGreaterThan(4);
  });
});

describe('typing indicator', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows on true, hides on false or after 5 s without news', () => {
    const changed = vi.fn();
    const typing = new TypingTracker(changed);
    typing.set('c1', 'u1', true);
    expect(typing.in('c1')).toEqual(['u1']);
    vi.advanceTimersByTime(4000);
    typing.set('c1', 'u1', true); // a renewed `true` restarts the 5 s
    vi.advanceTimersByTime(4000);
    expect(typing.in('c1')).toEqual(['u1']);
    vi.advanceTimersByTime(1000);
    expect(typing.in('c1')).toEqual([]);

    typing.set('c1', 'u2', true);
    typing.set('c1', 'u2', false);
    expect(typing.in('c1')).toEqual([]);
    typing.set('c1', 'u2', false); // nothing to hide: no change
    expect(changed).toHaveBeenCalledTimes(4);
  });
});

describe('media on one line', () => {
  it('says what a media message is, its caption in place of the word, a voice note with its length', async () => {
    const { previewOf, humanSize, clockDuration } = await import('../src/lib/media');
    expect(previewOf({ msg_type: 'text', body: ' hi\nthere ' }, en)).toBe('hi there');
    expect(previewOf({ msg_type: 'image', body: '' }, en)).toBe('📷 Photo');
    expect(previewOf({ msg_type: 'image', body: 'Praia hoje' }, pt)).toBe('📷 Praia hoje');
    expect(previewOf({ msg_type: 'file', media: { name: 'notas.pdf' } }, pt)).toBe('📄 notas.pdf');
    expect(previewOf({ msg_type: 'voice', media: { duration_ms: 7400 } }, pt)).toBe('🎤 Mensagem de voz 0:07');
    expect(humanSize(999, 'en')).toBe('999 B');
    expect(humanSize(1_400_000, 'en')).toBe('1.4 MB');
    expect(humanSize(1_400_000, 'pt-BR')).toBe('1,4 MB');
    expect(humanSize(820_000, 'en')).toBe('820 KB');
    expect(clockDuration(65_000)).toBe('1:05');
    expect(clockDuration(3_723_000)).toBe('1:02:03');
  });
});
