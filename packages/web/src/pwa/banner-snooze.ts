/**
 * "Not now" on the "Turn on notifications" banner, or notifications turned off in the settings: the banner stays
 * away this long (kept in localStorage, so a reload does not bring it back).
 */
const SNOOZE_MS = 7 * 24 * 3600 * 1000;
const SNOOZE_KEY = 'papo:notifications:snoozed-until';

export function snoozeNotificationsBanner(): void {
  localStorage.setItem(SNOOZE_KEY, String(Date.now() + SNOOZE_MS));
}

export function notificationsBannerSnoozed(): boolean {
  return Number(localStorage.getItem(SNOOZE_KEY) ?? 0) > Date.now();
}
