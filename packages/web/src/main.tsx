import { PapoClient } from '@papo/client';
import { StrictMode, startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { App, loadChatScreen } from './app';
import { locale } from './i18n';
import { indexedDbBlobStore } from './lib/blob-store';
import { unlockAudioOnGesture } from './lib/sound';
import { startTheme } from './lib/theme';
import { NotificationsContext } from './pwa/notifications-context';
import { PushNotifications } from './pwa/push-notifications';
import { OfflineCache } from './state/offline-cache';
import { StoreContext } from './state/react';
import { AppStore } from './state/store';
import './styles.css';

document.documentElement.lang = locale;
// Light, dark or the system's, before anything renders (Settings changes it).
startTheme();

// The session and the outbox live in localStorage, the bytes of uploads not finished in IndexedDB: a reload keeps
// the login and what was typed or attached offline.
const client = new PapoClient({
  baseUrl: window.location.origin,
  storage: window.localStorage,
  blobStore: indexedDbBlobStore(),
});
const store = new AppStore(client);
const cache = new OfflineCache(store);
/** How long a cold start waits for IndexedDB before connecting without it (it usually answers in a few ms). */
const CACHE_WAIT_MS = 400;
const notifications = new PushNotifications(client);
if (client.session) {
  // The chat screen's chunk downloads while the store connects, not after the first render asks for it
  // (a failure is tried again by App).
  loadChatScreen().catch(() => {});
  // The last state shows first, and the SDK then catches up from the positions it had: restored before connecting.
  void cache.restore(CACHE_WAIT_MS).finally(() => store.start());
}
unlockAudioOnGesture();
// Someone on the login page types their address and code first: the chunk downloads meanwhile, and the chat
// screen shows at once after. A page that is only loaded (a crawler, Lighthouse) fetches nothing more.
for (const gesture of ['pointerdown', 'keydown']) {
  window.addEventListener(gesture, () => loadChatScreen().catch(() => {}), { once: true, passive: true });
}

const root = createRoot(document.getElementById('root')!);
// The first render as a transition: React yields to the browser every few milliseconds instead of building the
// whole screen in one long task (Lighthouse's Total Blocking Time on a slow phone). What it shows is the same.
startTransition(() =>
  root.render(
    <StrictMode>
      <StoreContext.Provider value={store}>
        <NotificationsContext.Provider value={notifications}>
          <App />
        </NotificationsContext.Provider>
      </StoreContext.Provider>
    </StrictMode>,
  ),
);
