import { useState } from 'react';
import { locale, t } from '../i18n';
import { lastSeenText } from '../lib/time';
import { useNow, useStore } from '../state/react';
import type { AppStore, ChatItem } from '../state/store';
import { ChatAvatar } from './avatar';
import { ConfirmDialog } from './confirm-dialog';
import { BackIcon, MutedIcon } from './icons';
import { Menu, type MenuItem } from './menu';

const HOUR = 3600;
/** "Always" is a mute until a date no one will reach. */
const FOREVER = 4_102_444_800; // 2100-01-01

/** Names shown in a group's header at most (it is cut with an ellipsis long before anyway). */
const HEADER_NAMES = 20;

/** A group's members as its header lists them: "Ana, Bruno, You" (others by name, the user last). */
export function memberNames(store: AppStore, chatId: string): string | undefined {
  const members = store.groups.info(chatId)?.members;
  if (!members) return undefined;
  const me = store.client.userId;
  const collator = new Intl.Collator(locale, { sensitivity: 'base' });
  const names = members
    .filter((m) => m.user_id !== me)
    .map((m) => store.people.get(m.user_id)?.username || m.username)
    .sort(collator.compare)
    .slice(0, HEADER_NAMES);
  if (!store.chat(chatId)?.gone && members.some((m) => m.user_id === me)) names.push(t('info.you'));
  return names.join(', ');
}

type Confirm = 'leave' | 'block' | null;

/**
 * Who the chat is with, what they are doing (typing…, online, last seen; a group's members), and the chat's
 * menu. A group's title opens its info drawer (`onInfo`).
 */
export function ConversationHeader({
  chat,
  onBack,
  onInfo,
  infoOpen = false,
  infoId,
}: {
  chat: ChatItem;
  onBack: () => void;
  onInfo?: () => void;
  infoOpen?: boolean;
  infoId?: string;
}) {
  const store = useStore();
  const [confirm, setConfirm] = useState<Confirm>(null);
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
  } else if (chat.kind === 'group') {
    status = memberNames(store, chat.chat_id) ?? t('group.hint');
  } else {
    status = t('conv.publicChat');
  }

  const mute = (until: number) => void store.mute(chat.chat_id, until).catch(() => {});
  const items: MenuItem[] = [];
  if (chat.kind === 'group' && onInfo) items.push({ label: t('conv.groupInfo'), onSelect: onInfo });
  const muteItems: MenuItem[] = chat.gone
    ? []
    : muted
      ? [{ label: t('conv.unmute'), onSelect: () => mute(0) }]
      : [
          { label: `${t('conv.mute')}: ${t('conv.mute8h')}`, onSelect: () => mute(Math.floor(now / 1000) + 8 * HOUR) },
          {
            label: `${t('conv.mute')}: ${t('conv.mute1w')}`,
            onSelect: () => mute(Math.floor(now / 1000) + 168 * HOUR),
          },
          { label: `${t('conv.mute')}: ${t('conv.muteAlways')}`, onSelect: () => mute(FOREVER) },
        ];
  items.push(...muteItems);
  const peerName = peer?.username || title;
  if (chat.kind === 'dm' && chat.peer_user_id) {
    const peerId = chat.peer_user_id;
    items.push(
      store.blocks.has(peerId)
        ? {
            label: t('conv.unblockName', { name: peerName }),
            onSelect: () => void store.blocks.unblock(peerId).catch(() => {}),
          }
        : { label: t('conv.block', { name: peerName }), danger: true, onSelect: () => setConfirm('block') },
    );
  }
  items.push({ label: t('conv.close'), onSelect: onBack });
  if (chat.kind === 'group' && !chat.gone) {
    items.push({ label: t('info.leave'), danger: true, onSelect: () => setConfirm('leave') });
  }
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
      <ChatAvatar chat={chat} title={title} store={store} size={40} />
      <div className="conversation-title">
        <h2>
          {chat.kind === 'group' && onInfo ? (
            // The button stretches over the whole title area (the status line too): a click anywhere opens it.
            <button
              type="button"
              className="title-text title-button"
              aria-expanded={infoOpen}
              aria-controls={infoOpen ? infoId : undefined}
              title={t('info.open')}
              onClick={onInfo}
            >
              {title}
            </button>
          ) : (
            <span className="title-text">{title}</span>
          )}
          {muted ? <MutedIcon size={16} label={t('conv.mutedUntil')} className="muted-icon" /> : null}
        </h2>
        <p className={statusClass} data-testid="conversation-status">
          {status}
        </p>
      </div>
      <div className="header-actions">
        <Menu label={t('conv.menu')} items={items} />
      </div>
      {confirm === 'leave' ? (
        <ConfirmDialog
          title={t('info.leaveTitle', { title })}
          text={t('info.leaveText')}
          confirmLabel={t('info.leaveConfirm')}
          onCancel={() => setConfirm(null)}
          onConfirm={async () => {
            await store.leave(chat.chat_id);
            setConfirm(null);
          }}
        />
      ) : null}
      {confirm === 'block' && chat.peer_user_id ? (
        <ConfirmDialog
          title={t('info.blockTitle', { name: peerName })}
          text={t('info.blockText')}
          confirmLabel={t('info.blockConfirm')}
          onCancel={() => setConfirm(null)}
          onConfirm={async () => {
            await store.blocks.block(chat.peer_user_id!);
            setConfirm(null);
          }}
        />
      ) : null}
    </header>
  );
}
