import type { Locale, Translate } from '../i18n';

/** Times on the wire are Unix seconds; everything here takes seconds and a "now" in milliseconds. */
const DAY_MS = 86_400_000;

function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Whole calendar days between the two instants' days (0 = same day, 1 = yesterday). */
export function daysAgo(seconds: number, nowMs: number): number {
  return Math.round((startOfDay(nowMs) - startOfDay(seconds * 1000)) / DAY_MS);
}

export function clockTime(seconds: number, locale: Locale): string {
  return new Date(seconds * 1000).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
}

export function shortDate(seconds: number, locale: Locale): string {
  return new Date(seconds * 1000).toLocaleDateString(locale, { day: '2-digit', month: '2-digit', year: 'numeric' });
}

/** The chat list's time: 14:05 today, "Yesterday", a weekday within the week, else a date. */
export function listTime(seconds: number, nowMs: number, locale: Locale, t: Translate): string {
  const days = daysAgo(seconds, nowMs);
  if (days <= 0) return clockTime(seconds, locale);
  if (days === 1) return t('time.yesterday');
  if (days < 7) return new Date(seconds * 1000).toLocaleDateString(locale, { weekday: 'long' });
  return shortDate(seconds, locale);
}

/** A date separator in a conversation: Today, Yesterday, a weekday, or a full date. */
export function dayLabel(seconds: number, nowMs: number, locale: Locale, t: Translate): string {
  const days = daysAgo(seconds, nowMs);
  if (days <= 0) return t('conv.today');
  if (days === 1) return t('conv.yesterday');
  if (days < 7) return new Date(seconds * 1000).toLocaleDateString(locale, { weekday: 'long' });
  return new Date(seconds * 1000).toLocaleDateString(locale, { day: 'numeric', month: 'long', year: 'numeric' });
}

/** "last seen …" for a DM's header. */
export function lastSeenText(seconds: number, nowMs: number, locale: Locale, t: Translate): string {
  const minutes = Math.floor((nowMs / 1000 - seconds) / 60);
  if (minutes < 1) return t('conv.lastSeenNow');
  if (minutes < 60) return t('conv.lastSeenMin', { count: minutes });
  const time = clockTime(seconds, locale);
  const days = daysAgo(seconds, nowMs);
  if (days <= 0) return t('conv.lastSeenToday', { time });
  if (days === 1) return t('conv.lastSeenYesterday', { time });
  return t('conv.lastSeenDate', { date: shortDate(seconds, locale), time });
}

/** The key of a message's calendar day, for date separators. */
export function dayKey(seconds: number): number {
  return startOfDay(seconds * 1000);
}
