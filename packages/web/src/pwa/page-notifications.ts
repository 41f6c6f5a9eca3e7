import { isOwnMediaUrl } from '@papo/protocol';
import { t } from '../i18n';
import { previewOf } from '../lib/media';
import type { AppStore, Notification as StoreNotification } from '../state/store';
import { type MessagePush, notificationLook } from './notification-look';
import { serviceWorkerRegistration } from './register';

/**
 * A message the open but hidden tab received, as a system notification that looks like the push of it (same
 * title, line, icon and tag, src/pwa/notification-look.ts): while the tab is open the server may not push yet
 * (it waits PUSH_IDLE_S after the tab went hidden), and when it does, the push replaces this one rather than
 * doubling it. Shown through the service worker's registration, so a click goes to its notificationclick and
 * opens the chat. Nothing when the tab is in front, the chat muted (a mention breaks the mute: `muted` says),
 * a public chat's message not mentioning the user, or the user has not allowed notifications.
 */
export async function notifyWhileHidden(store: AppStore, notification: StoreNotification): Promise<void> {
  if (notification.muted || document.visibilityState !== 'hidden') return;
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  const chat = store.chat(notification.chat_id);
  const registration = await serviceWorkerRegistration();
  if (!chat || !registration) return;
  const { message } = notification;
  const senderName = store.people.get(message.sender_id)?.username || t('user.unknown');
  const mention = message.mentions?.includes(store.client.userId ?? '') ?? false;
  // As the server pushes: a public chat notifies only the members it mentions.
  if (chat.kind === 'public' && !mention) return;
  const avatar = store.chatAvatarUrl(chat);
  // Only the server's own pictures, as in a push.
  const icon = isOwnMediaUrl(avatar) ? avatar : undefined;
  const push: MessagePush = {
    type: 'message',
    chat_id: chat.chat_id,
    message_id: message.id,
    title: store.chatTitle(chat),
    sender_name: senderName,
    preview: previewOf(message, t) || t('notifications.newMessage'),
    kind: chat.kind,
    ...(icon ? { icon } : {}),
    ...(mention ? { mention: true } : {}),
    sent_at: message.created_at,
  };
  const { title, options } = notificationLook(push);
  await registration.showNotification(title, options as NotificationOptions).catch(() => {});
}
