import { locale, t } from '../i18n';
import { lastSeenText } from '../lib/time';
import { useNow, useStore } from '../state/react';
import type { ChatItem } from '../state/store';
import { Avatar } from './avatar';
import { BackIcon, MutedIcon } from './icons';
import { Menu, type MenuItem } from './menu';

const HOUR = 3600;
/** "Always" is a mute until a date no one will reach. */
const FOREVER = 4_102_444_800; // 2100-01-01

/** Who the chat is with, what they are doing (typing…, online, last seen), and the chat's menu. */
export function ConversationHeader({ chat, onBack }: { chat: ChatItem; onBack: () => void }) {
  const store = useStore();
  const now = useNow(30_000);
  const peer = chat.peer_user_id ? store.people.get(chat.peer_user_id) : undefined;
  const title = store.chatTitle(chat);
  const muted = store.isMuted(chat);

  const typing = store.typing.in(chat.chat_id);
  let status: string | undefined;
  let statusClass = 'status';
  if (typing.length > 0) {
    statusClass += ' typing';
    if (chat.kind === 'dm') status = t('conv.typing');
    else if (typing.length === 1)
      status = t('conv.typingName', { name: store.people.get(typing[0]!)?.username || t('user.unknown') });
    else status = t('conv.typingMany', { count: typing.length });
  } else if (chat.kind === 'dm' && chat.peer_user_id) {
    // While this client is offline the peer's presence is unknown: say nothing rather than something stale.
    const online = store.isOnline(chat.peer_user_id);
    if (online) status = t('conv.online');
    else if (online === false && peer?.last_seen) status = lastSeenText(peer.last_seen, now, locale, t);
    else if (online === false) status = t('conv.offline');
  } else {
    status = t('conv.publicChat');
  }

  const mute = (until: number) => void store.mute(chat.chat_id, until).catch(() => {});
  const items: MenuItem[] = muted
    ? [{ label: t('conv.unmute'), onSelect: () => mute(0) }]
    : [
        { label: `${t('conv.mute')}: ${t('conv.mute8h')}`, onSelect: () => mute(Math.floor(now / 1000) + 8 * HOUR) },
        { label: `${t('conv.mute')}: ${t('conv.mute1w')}`, onSelect: () => mute(Math.floor(now / 1000) + 168 * HOUR) },
        { label: `${t('conv.mute')}: ${t('conv.muteAlways')}`, onSelect: () => mute(FOREVER) },
      ];
  items.push({ label: t('conv.close'), onSelect: onBack });
  if (chat.kind === 'public') {
    items.push({
      label: t('conv.leave'),
      danger: true,
      onSelect: () => void store.leave(chat.chat_id).catch(() => {}),
    });
  }

  return (
    <header className="pane-header conversation-header">
      <button type="button" className="icon-button back-button" aria-label={t('conv.back')} onClick={onBack}>
        <BackIcon />
      </button>
      <Avatar
        id={chat.peer_user_id ?? chat.chat_id}
        name={title}
        url={peer?.avatar_url}
        size={40}
        group={chat.kind === 'public'}
      />
      <div className="conversation-title">
        <h2>
          <span className="title-text">{title}</span>
          {muted ? <MutedIcon size={16} label={t('conv.mutedUntil')} className="muted-icon" /> : null}
        </h2>
        <p className={statusClass} data-testid="conversation-status">
          {status}
        </p>
      </div>
      <div className="header-actions">
        <Menu label={t('conv.menu')} items={items} />
      </div>
    </header>
  );
}
