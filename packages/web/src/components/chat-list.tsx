import { useEffect, useRef } from 'react';
import { locale, t } from '../i18n';
import { previewOf } from '../lib/media';
import { previewText } from '../lib/people';
import { isSystem, systemText } from '../lib/system-text';
import { listTime } from '../lib/time';
import { useNow, useStore } from '../state/react';
import type { ChatItem } from '../state/store';
import { ChatAvatar } from './avatar';
import { MutedIcon } from './icons';
import { Ticks } from './ticks';

/** Performance mark of the first chat list rendered with chats (the cold-start figure, bench/cold-start.mjs). */
export const CHAT_LIST_MARK = 'papo:chat-list';
let marked = false;

/** The chats, most recent first; ↑/↓ move between them. */
export function ChatList({ chats, onOpen }: { chats: ChatItem[]; onOpen: (chatId: string) => void }) {
  const listRef = useRef<HTMLUListElement>(null);
  const shown = chats.length > 0;
  useEffect(() => {
    if (!shown || marked) return;
    marked = true;
    performance.mark(CHAT_LIST_MARK);
  }, [shown]);
  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const rows = [...(listRef.current?.querySelectorAll<HTMLButtonElement>('button.chat-row') ?? [])];
    const index = rows.indexOf(document.activeElement as HTMLButtonElement);
    if (index < 0) return;
    event.preventDefault();
    rows[Math.max(0, Math.min(rows.length - 1, index + (event.key === 'ArrowDown' ? 1 : -1)))]?.focus();
  };
  return (
    <ul className="chat-list" ref={listRef} onKeyDown={onKeyDown}>
      {chats.map((chat) => (
        <ChatRow key={chat.chat_id} chat={chat} onOpen={onOpen} />
      ))}
    </ul>
  );
}

function ChatRow({ chat, onOpen }: { chat: ChatItem; onOpen: (chatId: string) => void }) {
  const store = useStore();
  const now = useNow(60_000);
  const selected = store.openChatId === chat.chat_id;
  const unread = store.unread(chat);
  const muted = store.isMuted(chat);
  const peerOnline = chat.peer_user_id ? store.isOnline(chat.peer_user_id) === true : false;
  const title = store.chatTitle(chat);
  const pending = store.client.outbox(chat.chat_id).at(-1);
  const last = chat.last_message;
  const time = pending ? Math.floor(pending.created_at_ms / 1000) : last?.created_at;

  return (
    <li>
      <button
        type="button"
        className={`chat-row${selected ? ' selected' : ''}${unread > 0 ? ' has-unread' : ''}${muted ? ' muted' : ''}`}
        aria-current={selected ? 'true' : undefined}
        data-chat-id={chat.chat_id}
        onClick={() => onOpen(chat.chat_id)}
      >
        <ChatAvatar chat={chat} title={title} store={store} online={peerOnline} />
        <span className="chat-row-main">
          <span className="chat-row-line">
            <span className="chat-title">{title}</span>
            {time ? <span className="chat-time">{listTime(time, now, locale, t)}</span> : null}
          </span>
          <span className="chat-row-line">
            <Preview chat={chat} selected={selected} />
            <span className="chat-flags">
              {peerOnline ? <span className="sr-only">{t('list.online')}</span> : null}
              {muted ? <MutedIcon size={18} label={t('list.muted')} className="muted-icon" /> : null}
              {store.mentioned(chat) ? (
                <span className="chat-mention" title={t('list.mentioned')} data-testid="mention-marker">
                  <span aria-hidden="true">@</span>
                  <span className="sr-only">{t('list.mentioned')}</span>
                </span>
              ) : null}
              {unread > 0 ? (
                <span className={muted ? 'badge badge-muted' : 'badge'}>
                  <span aria-hidden="true">{unread > 999 ? '999+' : unread}</span>
                  <span className="sr-only">{t('list.unread', { count: unread })}</span>
                </span>
              ) : null}
            </span>
          </span>
        </span>
      </button>
    </li>
  );
}

function Preview({ chat, selected }: { chat: ChatItem; selected: boolean }) {
  const store = useStore();
  const typing = store.typing.in(chat.chat_id);
  if (typing.length > 0) {
    const text =
      chat.kind === 'dm'
        ? t('list.typing')
        : t('list.typingName', { name: store.people.get(typing[0]!)?.username || t('user.unknown') });
    return <span className="chat-preview typing">{text}</span>;
  }
  const draft = store.drafts.get(chat.chat_id)?.trim();
  if (draft && !selected) {
    return (
      <span className="chat-preview">
        <span className="draft">{t('list.draft')}:</span> {previewText(draft)}
      </span>
    );
  }
  const pending = store.client.outbox(chat.chat_id).at(-1);
  if (pending) {
    return (
      <span className="chat-preview">
        <Ticks state={pending.state} size={16} />{' '}
        {pending.media
          ? previewOf({ msg_type: pending.media.type, body: pending.body, media: pending.media }, t)
          : previewText(pending.body)}
      </span>
    );
  }
  const last = chat.last_message;
  if (!last) return <span className="chat-preview empty">{t('list.noMessages')}</span>;
  if (isSystem(last)) {
    const me = store.client.userId ?? '';
    const name = (userId: string) => store.people.get(userId)?.username || t('user.unknown');
    return (
      <span className="chat-preview">
        {last.system ? systemText(last.system, me, name, t) : previewText(last.body ?? '')}
      </span>
    );
  }
  if (last.sender_id === store.client.userId) {
    const state = store.client.messageState(chat.chat_id, last.id) ?? 'sent';
    return (
      <span className="chat-preview">
        <Ticks state={state} size={16} /> {previewOf(last, t)}
      </span>
    );
  }
  const sender = chat.kind !== 'dm' ? store.people.get(last.sender_id)?.username : undefined;
  return (
    <span className="chat-preview">
      {sender ? <span className="preview-sender">{sender}: </span> : null}
      {previewOf(last, t)}
    </span>
  );
}
