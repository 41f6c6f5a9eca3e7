import { useContext, useEffect, useRef, useState } from 'react';
import { LoginScreen } from './components/login-screen';
import { UpdatePrompt } from './components/update-prompt';
import { t } from './i18n';
import { playNotificationSound } from './lib/sound';
import { NotificationsContext } from './pwa/notifications-context';
import { usePwa } from './pwa/use-pwa';
import { useStore } from './state/react';

type ChatScreen = typeof import('./chat-screen');
let chatScreen: ChatScreen | undefined;
let loading: Promise<ChatScreen> | undefined;

/**
 * The logged-in screens are one chunk of their own (chat-screen.ts): the login page downloads none of it.
 * main.tsx asks for it at startup when a session is stored, and on the login page's first keystroke or tap,
 * so it is usually here before it is needed. Not React.lazy: a Suspense fallback would blank the screen on
 * login for React's reveal throttle (300 ms) even when the chunk is already loaded.
 */
export function loadChatScreen(): Promise<ChatScreen> {
  loading ??= import('./chat-screen').then(
    (module) => {
      chatScreen = module;
      return module;
    },
    (err: unknown) => {
      loading = undefined;
      throw err;
    },
  );
  return loading;
}

/** The chat screen's module once it is loaded; asked for (again every 2 s after a failure) while `wanted`. */
function useChatScreen(wanted: boolean): ChatScreen | undefined {
  const [loaded, setLoaded] = useState(chatScreen);
  useEffect(() => {
    if (!wanted || loaded) return;
    let live = true;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const attempt = () => {
      loadChatScreen().then(
        (module) => live && setLoaded(module),
        () => {
          if (live) retry = setTimeout(attempt, 2000);
        },
      );
    };
    attempt();
    return () => {
      live = false;
      clearTimeout(retry);
    };
  }, [wanted, loaded]);
  return loaded ?? chatScreen;
}

const CHAT_HASH = /^#\/chat\/([A-Za-z0-9_-]+)$/;
const INVITE_HASH = /^#\/invite\/([A-Za-z0-9_-]+)$/;

/**
 * The open chat lives in the URL (#/chat/ID): a reload keeps it. Opening a chat from the list pushes a history
 * entry, so the phone's back button returns to the list; switching chats and closing replace it. An invite
 * link (#/invite/CODE) shows its card (after the login, when logged out) and stays in the URL until the card
 * is closed or the group joined.
 */
function useHashRoute() {
  const store = useStore();
  const pushed = useRef(false);
  useEffect(() => {
    const apply = () => {
      const invite = INVITE_HASH.exec(window.location.hash)?.[1];
      if (invite) store.setInvite(invite);
      else store.setOpenChat(CHAT_HASH.exec(window.location.hash)?.[1] ?? null);
    };
    apply();
    window.addEventListener('hashchange', apply);
    return () => window.removeEventListener('hashchange', apply);
  }, [store]);
  const open = store.openChatId;
  const invite = store.inviteCode;
  useEffect(() => {
    if (INVITE_HASH.test(window.location.hash)) {
      if (invite) return;
      // The card closed or the group was joined: the invite leaves the URL (and the history) for the chat.
      window.history.replaceState(
        null,
        '',
        open ? `#/chat/${open}` : window.location.pathname + window.location.search,
      );
      return;
    }
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
  }, [open, invite]);
}

export function App() {
  const store = useStore();
  const notifications = useContext(NotificationsContext);
  if (!notifications) throw new Error('App outside <NotificationsContext.Provider>');
  useHashRoute();
  usePwa(store, notifications);

  // Read receipts wait for the tab to be visible; the title counts what is unread while it is not (the server is
  // told too, by usePwa: it pushes to a user none of whose tabs is in front).
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

  const screens = useChatScreen(store.loggedIn);
  return (
    <>
      <Screen screens={screens} />
      <UpdatePrompt />
    </>
  );
}

/** The login page, or the chat screens once their chunk is here. */
function Screen({ screens }: { screens: ChatScreen | undefined }) {
  const store = useStore();
  if (!store.loggedIn) return <LoginScreen />;
  // Nothing while the chunk arrives (a fraction of a second, once): no spinner flashing by.
  if (!screens) return null;
  const { ConnectionBanner, Conversation, EmptyConversation, InviteCard, NotificationsBanner, Sidebar } = screens;
  const open = store.openChatId;
  return (
    <div className={open ? 'app conversation-open' : 'app'}>
      {/* The design shows no page title: the heading is for screen readers, and the banners sit with it. */}
      <header>
        <h1 className="sr-only">{t('appName')}</h1>
        <ConnectionBanner />
        <NotificationsBanner />
      </header>
      {/* One main landmark for both panes: on a phone either one is the whole screen. */}
      <main className="panes">
        <Sidebar />
        <div className="main-pane">{open ? <Conversation key={open} chatId={open} /> : <EmptyConversation />}</div>
      </main>
      {store.inviteCode ? <InviteCard key={store.inviteCode} code={store.inviteCode} /> : null}
    </div>
  );
}
