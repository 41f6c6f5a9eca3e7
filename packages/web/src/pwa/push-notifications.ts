import type { PapoClient } from '@papo/client';
import { Emitter } from '@papo/client';
import type { PushSubscriptionBody } from '@papo/protocol';
import { t } from '../i18n';
import { serviceWorkerRegistration } from './register';

/**
 * This device's notifications (contract section 13): whether the browser can show them, whether the user allowed
 * them, and the Web Push subscription the server keeps for the device. `state` is what the settings show:
 * - `unsupported`: no service worker, Push API or Notification API (an iPhone's Safari outside the Home Screen);
 * - `blocked`: the user (or the browser) denied the permission; only the browser's site settings undo that;
 * - `off`: allowed or not asked yet, no subscription;
 * - `on`: allowed, subscribed, and the server was told.
 */
export type NotificationState = 'unsupported' | 'blocked' | 'off' | 'on';

/**
 * How long `pushManager.subscribe` may take: it asks the browser's push service (Google's for Chrome), which a
 * browser built without its keys (Debian's Chromium) or a network that blocks it never answers.
 */
const SUBSCRIBE_TIMEOUT_MS = 15_000;

/** Which user this device's subscription was made for: another user logging in here does not inherit it. */
const OWNER_KEY = 'papo:push:user';

export function pushSupported(): boolean {
  return (
    typeof window !== 'undefined' &&
    'serviceWorker' in navigator &&
    'PushManager' in window &&
    'Notification' in window &&
    window.isSecureContext
  );
}

/** A base64url VAPID key as the bytes `pushManager.subscribe` takes. */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export class PushNotifications extends Emitter<{ change: undefined }> {
  private current: NotificationState = pushSupported() ? 'off' : 'unsupported';
  private version = 0;
  /** Turning on or off is under way (the switch waits). */
  busy = false;
  /** Why the last turning on failed (the push service refused, the server could not be reached), for the UI. */
  failure: string | null = null;

  constructor(private readonly client: PapoClient) {
    super();
  }

  get state(): NotificationState {
    return this.current;
  }

  // React's useSyncExternalStore.
  subscribe = (listener: () => void): (() => void) => this.on('change', listener);
  getVersion = (): number => this.version;

  private changed(): void {
    this.version++;
    this.emit('change', undefined);
  }

  private async subscription(): Promise<PushSubscription | null> {
    const registration = await serviceWorkerRegistration();
    return (await registration?.pushManager.getSubscription()) ?? null;
  }

  /**
   * At every app start (logged in): read the state again, and when the user allowed notifications send the
   * device's subscription once more. The server keeps one per endpoint, so this is harmless, and it keeps the
   * server's copy fresh after the push service renewed it or the server lost it. A subscription another user of
   * this browser made is dropped (that user logged out without it, e.g. their session ended elsewhere).
   */
  async resync(): Promise<void> {
    if (this.current === 'unsupported') return;
    const permission = Notification.permission;
    let subscription = permission === 'granted' ? await this.subscription().catch(() => null) : null;
    const owner = localStorage.getItem(OWNER_KEY);
    if (subscription && owner && owner !== this.client.userId) {
      await subscription.unsubscribe().catch(() => false);
      localStorage.removeItem(OWNER_KEY);
      subscription = null;
    }
    if (subscription) {
      try {
        await this.client.subscribePush(subscription.toJSON() as PushSubscriptionBody);
        localStorage.setItem(OWNER_KEY, this.client.userId ?? '');
      } catch {
        // Offline now: the subscription stands, and the next start sends it again.
      }
    }
    this.set(permission === 'denied' ? 'blocked' : subscription ? 'on' : 'off');
  }

  /**
   * "Turn on": asks the permission (the browser's prompt; call from a click), subscribes with the server's
   * VAPID key, and sends the subscription. Resolves with the new state.
   */
  async turnOn(): Promise<NotificationState> {
    if (this.current === 'unsupported' || this.busy) return this.current;
    this.busy = true;
    this.failure = null;
    this.changed();
    try {
      const permission = await Notification.requestPermission();
      if (permission !== 'granted') {
        this.set(permission === 'denied' ? 'blocked' : 'off');
        return this.current;
      }
      const registration = await serviceWorkerRegistration();
      if (!registration) throw new Error('no service worker');
      const key = await this.client.pushKey();
      const subscription =
        (await registration.pushManager.getSubscription()) ??
        (await Promise.race([
          registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) }),
          new Promise<never>((_, fail) =>
            setTimeout(() => fail(new Error(t('notifications.noPushService'))), SUBSCRIBE_TIMEOUT_MS),
          ),
        ]));
      await this.client.subscribePush(subscription.toJSON() as PushSubscriptionBody);
      localStorage.setItem(OWNER_KEY, this.client.userId ?? '');
      this.set('on');
    } catch (err) {
      this.failure = err instanceof Error ? err.message : String(err);
      this.set('off');
    } finally {
      this.busy = false;
      this.changed();
    }
    return this.current;
  }

  /** "Turn off": the server forgets the device, then the browser drops the subscription. */
  async turnOff(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.failure = null;
    this.changed();
    try {
      await this.forget();
      this.set(Notification.permission === 'denied' ? 'blocked' : 'off');
    } finally {
      this.busy = false;
      this.changed();
    }
  }

  /**
   * Logout: the server forgets this device (DELETE, while the session still works) and the browser drops the
   * subscription. Best effort: whatever fails, the logout goes on (a stale endpoint is dropped on its first 410).
   */
  async forget(): Promise<void> {
    if (this.current === 'unsupported') return;
    const subscription = await this.subscription().catch(() => null);
    if (!subscription) return;
    await this.client.unsubscribePush(subscription.endpoint).catch(() => {});
    await subscription.unsubscribe().catch(() => false);
    localStorage.removeItem(OWNER_KEY);
    if (this.current === 'on') this.set('off');
  }

  /** `forget`, waited for at most `ms` (a logout is not held up by a server that does not answer). */
  forgetWithin(ms = 3000): Promise<void> {
    return Promise.race([this.forget(), new Promise<void>((done) => setTimeout(done, ms))]);
  }

  private set(state: NotificationState): void {
    if (state === this.current) return;
    this.current = state;
    this.changed();
  }
}
