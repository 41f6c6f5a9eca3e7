import { lazy, useEffect, useRef } from 'react';
import { LoginScreen } from './components/login-screen';
import { t } from './i18n';
import { playNotificationSound } from './lib/sound';
import { useStore } from './state/react';

// The logged-in screens are one chunk of their own (chat-screen.ts), fetched once there is a session: the login
// page loads none of it. main.tsx starts the fetch at startup for a stored session and holds the render in
// <Suspense> meanwhile. One import() shared by the four, so one request.
export const loadChatScreen = () => import('./chat-screen');
const ConnectionBanner = lazy(() => loadChatScreen().then((m) => ({ default: m.ConnectionBanner })));
const Conversation = lazy(() => loadChatScreen().then((m) => ({ default: m.Conversation })));
const EmptyConversation = lazy(() => loadChatScreen().then((m) => ({ default: m.EmptyConversation })));
const Sidebar = lazy(() => loadChatScreen().then((m) => ({ default: m.Sidebar })));

const CHAT_HASH = /^#\/chat\/([A-Za-z0-9_-]+)$/;

/**
 * The open chat lives in the URL (#/chat/ID): a reload keeps it. Opening a chat from the list pushes a history
 * entry, so the phone's back button returns to the list; switching chats and closing replace it.
 */
function useHashRoute() {
  const store = useStore();
  const pushed = useRef(false);
  useEffect(() => {
    const apply = () => store.setOpenChat(CHAT_HASH.exec(window.location.hash)?.[1] ?? null);
    apply();
    window.addEventListener('hashchange', apply);
    return () => window.removeEventListener('hashchange', apply);
  }, [store]);
  const open = store.openChatId;
  useEffect(() => {
    const current = CHAT_HASH.exec(window.location.hash)?.[1] ?? null;
    if (current === open) return;
    if (open && !current) {
      window.history.pushState(null, '', `#/chat/${open}`);
      pushed.current = true;
    } else if (!open && pushed.current) {
      pushed.current = false;
      window.history.back();
    } else {
      window.history.replaceState(
        null,
        '',
        open ? `#/chat/${open}` : window.location.pathname + window.location.search,
      );
    }
  }, [open]);
}

export function App() {
  const store = useStore();
  useHashRoute();

  // Read receipts wait for the tab to be visible; the title counts what is unread while it is not.
  useEffect(() => {
    const onVisibility = () => store.setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', onVisibility);
    return () => document.removeEventListener('visibilitychange', onVisibility);
  }, [store]);

  useEffect(
    () =>
      store.on('notify', (notification) => {
        if (notification.audible) playNotificationSound();
      }),
    [store],
  );

  const unread = store.loggedIn ? store.totalUnread() : 0;
  useEffect(() => {
    document.title = unread > 0 ? t('title.unread', { count: unread }) : t('appName');
  }, [unread]);

  if (!store.loggedIn) return <LoginScreen />;
  const open = store.openChatId;
  return (
    <div className={open ? 'app conversation-open' : 'app'}>
      <ConnectionBanner />
      <div className="panes">
        <Sidebar />
        <main className="main-pane">{open ? <Conversation key={open} chatId={open} /> : <EmptyConversation />}</main>
      </div>
    </div>
  );
}
