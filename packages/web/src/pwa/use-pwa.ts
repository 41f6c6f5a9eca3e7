import { useEffect } from 'react';
import type { AppStore } from '../state/store';
import type { OpenChatMessage, PushSubscriptionChangedMessage } from './notification-look';
import { notifyWhileHidden } from './page-notifications';
import type { PushNotifications } from './push-notifications';
import { registerServiceWorker, serviceWorkerSupported } from './register';

/** A visible tab with no input for this long is not in front of its user (the SDK says so once, not per event). */
const AWAY_AFTER_MS = 2 * 60_000;
const AWAY_CHECK_MS = 15_000;
const INPUT_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'] as const;

/**
 * The app's side of the service worker, for App: register it, keep this device's push subscription known to
 * the server, tell the server whether the tab is in front (it pushes only when none of the user's tabs has
 * been for PUSH_IDLE_S), notify messages while the tab is hidden, and open the chat of a notification clicked.
 */
export function usePwa(store: AppStore, notifications: PushNotifications): void {
  const loggedIn = store.loggedIn;

  // Registered once someone logs in (a page only loaded, a crawler or Lighthouse, fetches nothing more); a page
  // an earlier visit's worker controls registers again to look for a new version.
  useEffect(() => {
    if (!serviceWorkerSupported()) return;
    if (!loggedIn && !navigator.serviceWorker.controller) return;
    void registerServiceWorker().then(() => (loggedIn ? notifications.resync() : undefined));
  }, [loggedIn, notifications]);

  // Allowed or blocked in the browser's site settings while the app is open: the switch follows.
  useEffect(() => {
    if (!loggedIn || !serviceWorkerSupported() || !navigator.permissions) return;
    let status: PermissionStatus | undefined;
    let live = true;
    const onChange = () => void notifications.resync();
    navigator.permissions.query({ name: 'notifications' }).then(
      (answer) => {
        if (!live) return;
        status = answer;
        answer.addEventListener('change', onChange);
      },
      () => {},
    );
    return () => {
      live = false;
      status?.removeEventListener('change', onChange);
    };
  }, [loggedIn, notifications]);

  // In front of the user: the tab is visible and they touched it lately. A desktop left with Papo on screen
  // counts as away after AWAY_AFTER_MS without input, so their phone is pushed meanwhile.
  useEffect(() => {
    if (!loggedIn) return;
    let lastInput = Date.now();
    const away = () => Date.now() - lastInput >= AWAY_AFTER_MS;
    const tell = () => store.client.setActive(document.visibilityState === 'visible' && !away());
    const onInput = () => {
      const wasAway = away();
      lastInput = Date.now();
      if (wasAway) tell();
    };
    const onVisibility = () => {
      if (document.visibilityState === 'visible') lastInput = Date.now();
      tell();
    };
    tell();
    const timer = setInterval(tell, AWAY_CHECK_MS);
    for (const name of INPUT_EVENTS) window.addEventListener(name, onInput, { passive: true });
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      clearInterval(timer);
      for (const name of INPUT_EVENTS) window.removeEventListener(name, onInput);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [store, loggedIn]);

  useEffect(() => store.on('notify', (notification) => void notifyWhileHidden(store, notification)), [store]);

  useEffect(() => {
    if (!serviceWorkerSupported()) return;
    const onMessage = (event: MessageEvent) => {
      const message = event.data as OpenChatMessage | PushSubscriptionChangedMessage | null;
      if (message?.type === 'open_chat' && typeof message.chat_id === 'string') store.setOpenChat(message.chat_id);
      else if (message?.type === 'push_subscription_changed' && store.loggedIn) void notifications.resync();
    };
    navigator.serviceWorker.addEventListener('message', onMessage);
    return () => navigator.serviceWorker.removeEventListener('message', onMessage);
  }, [store, notifications]);
}
