/// <reference lib="webworker" />
import type { PushPayload } from '@papo/protocol';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import {
  chatUrl,
  type MessagePush,
  type NotificationData,
  notificationLook,
  type OpenChatMessage,
  type PushSubscriptionChangedMessage,
} from './pwa/notification-look';

/**
 * Papo's service worker (built to /sw.js by vite-plugin-pwa, injectManifest). It keeps the app shell so the app
 * opens offline, shows the Web Push notifications of contract section 13, and opens the chat of a notification
 * clicked. Never the API: /api, /ws, /metrics and /healthz always go to the network.
 */

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: Array<{ url: string; revision: string | null }>;
};

// ── The app shell ───────────────────────────────────────────────────────────────────────────────────────

// The build's file list, put here at build time: a new deploy makes a new worker, which the page offers to load.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Any navigation in the app (a reload on /#/chat/…, a notification's URL) gets the cached page: it opens offline.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/index.html'), {
    denylist: [/^\/api(\/|$)/, /^\/ws(\/|$)/, /^\/metrics(\/|$)/, /^\/healthz(\/|$)/],
  }),
);

// The page's "Reload" on a new version: this worker takes over now instead of when every tab has closed.
self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

// The first install takes the open pages at once (so push and offline work without a reload); the page reloads
// only when the user asked for a new version (src/pwa/register.ts).
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

// ── Push ────────────────────────────────────────────────────────────────────────────────────────────────

function parsePush(event: PushEvent): PushPayload | undefined {
  try {
    return event.data?.json() as PushPayload | undefined;
  } catch {
    return undefined;
  }
}

/**
 * The worker's notification calls, one push at a time: Chromium's getNotifications, run while another
 * notification is being shown, may leave that one out of its list for good, and the order guard below and a
 * read's closing go by that list.
 */
let notificationWork: Promise<unknown> = Promise.resolve();
function oneAtATime(work: () => Promise<void>): Promise<void> {
  const next = notificationWork.then(work, work);
  notificationWork = next.catch(() => undefined);
  return next;
}

async function closeChatNotifications(chatId: string): Promise<void> {
  for (const notification of await self.registration.getNotifications({ tag: chatId })) notification.close();
}

/**
 * Shows a message's notification, unless the chat's notification is of a later message already: two pushes of a
 * chat may arrive out of order, and the later one stays.
 */
async function showMessage(payload: MessagePush): Promise<void> {
  const shown = await self.registration.getNotifications({ tag: payload.chat_id });
  if (shown.some((n) => ((n.data as NotificationData | undefined)?.message_id ?? 0) > payload.message_id)) return;
  const { title, options } = notificationLook(payload);
  await self.registration.showNotification(title, options as NotificationOptions);
}

self.addEventListener('push', (event) => {
  const payload = parsePush(event);
  if (payload?.type === 'message') {
    event.waitUntil(oneAtATime(() => showMessage(payload)));
  } else if (payload?.type === 'read') {
    // Read on another device: that chat's notification goes, and nothing is shown.
    event.waitUntil(oneAtATime(() => closeChatNotifications(payload.chat_id)));
  }
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data as NotificationData | undefined;
  if (!data?.chat_id) return;
  event.waitUntil(openChat(data.chat_id));
});

/** A Papo window already open is brought forward and told to open the chat; otherwise a new one opens on it. */
async function openChat(chatId: string): Promise<void> {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const own = windows.filter((client) => new URL(client.url).origin === self.location.origin);
  const target =
    own.find((client) => client.focused) ?? own.find((client) => client.visibilityState === 'visible') ?? own[0];
  if (target) {
    const message: OpenChatMessage = { type: 'open_chat', chat_id: chatId };
    target.postMessage(message);
    await target.focus().catch(() => undefined);
    return;
  }
  await self.clients.openWindow(chatUrl(chatId));
}

// The push service replaced the subscription (its keys expired, or were revoked): subscribe again and tell the
// server, with the token the page keeps (the worker has no localStorage, so an open page does it when there is
// one; with none, the next app start sends the new subscription).
self.addEventListener('pushsubscriptionchange', (event) => {
  const change = event as Event & { oldSubscription?: PushSubscription | null; waitUntil(p: Promise<unknown>): void };
  change.waitUntil(
    (async () => {
      const options = change.oldSubscription?.options;
      if (!options?.applicationServerKey) return;
      const renewed = await self.registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: options.applicationServerKey,
      });
      if (!renewed.endpoint) return;
      const message: PushSubscriptionChangedMessage = { type: 'push_subscription_changed' };
      for (const client of await self.clients.matchAll({ type: 'window' })) client.postMessage(message);
    })(),
  );
});
