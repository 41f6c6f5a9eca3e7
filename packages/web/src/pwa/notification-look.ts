import type { PushPayload } from '@papo/protocol';

/**
 * How a new message looks as a system notification: the same whether a push brought it (the service worker,
 * src/sw.ts) or the open but hidden tab saw it (src/pwa/page-notifications.ts). The tag is the chat, so a later
 * message of the chat, or the push of a message the tab already notified, replaces the notification rather than
 * adding one.
 */

export type MessagePush = Extract<PushPayload, { type: 'message' }>;

/** What a click on the notification needs: which chat to open. */
export type NotificationData = { chat_id: string; message_id: number };

/** The app's icon (public/, made by scripts/make-icons.mjs), for chats without a picture. */
export const APP_ICON = '/icon-192.png';
/** The monochrome status-bar badge (Android). */
export const BADGE = '/badge-96.png';

/**
 * NotificationOptions as showNotification takes them; `renotify` (sound and vibrate again when a notification of
 * the same tag is replaced) is missing from TypeScript's DOM types.
 */
export type NotificationLook = {
  title: string;
  options: {
    body: string;
    icon: string;
    badge: string;
    tag: string;
    renotify: boolean;
    timestamp: number;
    data: NotificationData;
  };
};

export function notificationLook(push: MessagePush): NotificationLook {
  // A DM's title is the sender already; in a group or public chat the line says who wrote.
  const body = push.kind === 'dm' ? push.preview : `${push.sender_name}: ${push.preview}`;
  return {
    title: push.title,
    options: {
      body,
      icon: push.icon || APP_ICON,
      badge: BADGE,
      tag: push.chat_id,
      renotify: true,
      timestamp: push.sent_at * 1000,
      data: { chat_id: push.chat_id, message_id: push.message_id },
    },
  };
}

/** The page the notification opens: the chat, by the hash route the app reads (app.tsx). */
export function chatUrl(chatId: string): string {
  return `/#/chat/${encodeURIComponent(chatId)}`;
}

/** What the service worker tells an open window when its notification is clicked. */
export type OpenChatMessage = { type: 'open_chat'; chat_id: string };
/** What it tells open windows when the push service renewed the subscription: send the new one to the server. */
export type PushSubscriptionChangedMessage = { type: 'push_subscription_changed' };
