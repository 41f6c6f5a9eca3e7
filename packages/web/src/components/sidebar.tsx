import { useEffect, useRef, useState } from 'react';
import { t } from '../i18n';
import { useNotifications } from '../pwa/notifications-context';
import { useStore } from '../state/react';
import { AccountPanel } from './account-panel';
import { Avatar } from './avatar';
import { ChatList } from './chat-list';
import { ChatPlusIcon, GroupIcon, SearchIcon } from './icons';
import { LogoutDialog } from './logout-dialog';
import { Menu } from './menu';
import { NewGroup } from './new-group';
import { OnlineUsers } from './online-users';
import { PublicDirectory } from './public-directory';
import { SettingsPanel } from './settings-panel';

type Panel = 'chats' | 'online' | 'public' | 'account' | 'group' | 'settings';

/** The left pane: the chat list, or one of the drawers that slide over it (new chat, public chats). */
export function Sidebar() {
  const store = useStore();
  const [panel, setPanel] = useState<Panel>('chats');
  const [query, setQuery] = useState('');
  const [confirmLogout, setConfirmLogout] = useState(false);
  const [linkFirst, setLinkFirst] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  // The button each drawer was opened from, focused again when it closes; the menu's drawers go back to "⋮".
  const openers: Partial<Record<Panel, React.RefObject<HTMLButtonElement | null>>> = {
    online: useRef<HTMLButtonElement>(null),
    public: useRef<HTMLButtonElement>(null),
    settings: menuButton,
    account: menuButton,
  };
  const returnFocus = useRef<Panel | null>(null);

  useEffect(() => {
    if (panel === 'chats' && returnFocus.current && returnFocus.current !== 'chats') {
      openers[returnFocus.current]?.current?.focus();
      returnFocus.current = null;
    }
  });

  const open = (chatId: string) => {
    setPanel('chats');
    store.setOpenChat(chatId);
  };
  const back = (from: Panel) => {
    returnFocus.current = from;
    setPanel('chats');
  };

  const me = store.profile;
  const notifications = useNotifications();
  // This device stops getting pushes first, while the session can still tell the server so.
  const endSession = () => void notifications.forgetWithin().finally(() => store.stop());
  // A temporary account is lost at logout: say so first.
  const logout = () => (me?.temporary ? setConfirmLogout(true) : endSession());
  const openAccount = (link: boolean) => {
    setLinkFirst(link);
    setPanel('account');
  };
  // "Account and devices" opened from Settings goes back to Settings.
  const [accountFromSettings, setAccountFromSettings] = useState(false);
  const all = store.chats();
  const needle = query.trim().toLocaleLowerCase();
  const chats = needle ? all.filter((c) => store.chatTitle(c).toLocaleLowerCase().includes(needle)) : all;

  return (
    <div className="sidebar">
      {panel === 'online' ? (
        <OnlineUsers onBack={() => back('online')} onOpened={open} onNewGroup={() => setPanel('group')} />
      ) : null}
      {panel === 'group' ? <NewGroup onBack={() => back('online')} onOpened={open} /> : null}
      {panel === 'public' ? <PublicDirectory onBack={() => back('public')} onOpened={open} /> : null}
      {panel === 'account' ? (
        <AccountPanel
          onBack={() => (accountFromSettings ? setPanel('settings') : back('account'))}
          linkFirst={linkFirst}
        />
      ) : null}
      {panel === 'settings' ? (
        <SettingsPanel
          onBack={() => back('settings')}
          onAccount={() => {
            setAccountFromSettings(true);
            openAccount(false);
          }}
        />
      ) : null}
      {confirmLogout ? (
        <LogoutDialog
          onCancel={() => setConfirmLogout(false)}
          onAddAddress={() => {
            setConfirmLogout(false);
            setAccountFromSettings(false);
            openAccount(true);
          }}
          onLogout={() => {
            setConfirmLogout(false);
            endSession();
          }}
        />
      ) : null}
      <div className="sidebar-chats" hidden={panel !== 'chats'}>
        <header className="pane-header">
          <div className="me">
            <Avatar id={store.client.userId ?? 'me'} name={me?.username ?? ''} url={me?.avatar_url} size={40} />
            <span className="me-name">{me?.username}</span>
          </div>
          <div className="header-actions">
            <button
              ref={openers.public}
              type="button"
              className="icon-button"
              aria-label={t('sidebar.publicChats')}
              title={t('sidebar.publicChats')}
              onClick={() => setPanel('public')}
            >
              <GroupIcon />
            </button>
            <button
              ref={openers.online}
              type="button"
              className="icon-button"
              aria-label={t('sidebar.newChat')}
              title={t('sidebar.newChat')}
              onClick={() => setPanel('online')}
            >
              <ChatPlusIcon />
            </button>
            <Menu
              label={t('sidebar.menu')}
              opener={menuButton}
              items={[
                { label: t('sidebar.newGroup'), onSelect: () => setPanel('group') },
                { label: t('settings.title'), onSelect: () => setPanel('settings') },
                {
                  label: t('sidebar.account'),
                  onSelect: () => {
                    setAccountFromSettings(false);
                    openAccount(false);
                  },
                },
                { label: t('sidebar.logout'), onSelect: logout },
              ]}
            />
          </div>
        </header>
        <div className="search">
          <label className="search-box">
            <SearchIcon size={20} />
            <span className="sr-only">{t('sidebar.search')}</span>
            <input
              type="search"
              value={query}
              placeholder={t('sidebar.search')}
              onChange={(e) => setQuery(e.target.value)}
            />
          </label>
        </div>
        <nav className="chat-list-scroll" aria-label={t('sidebar.chats')}>
          {store.loaded && chats.length === 0 ? (
            <p className="list-empty">{needle ? t('sidebar.noMatch', { query }) : t('sidebar.noChats')}</p>
          ) : (
            <ChatList chats={chats} onOpen={open} />
          )}
          {store.loaded && !store.chatsComplete ? (
            <p className="list-empty" role="status">
              {t('sidebar.loadingMore')}
            </p>
          ) : null}
        </nav>
      </div>
    </div>
  );
}
