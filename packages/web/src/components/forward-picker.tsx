import type { ChatMessage } from '@papo/client';
import { LIMITS } from '@papo/protocol';
import { useEffect, useRef, useState } from 'react';
import { t } from '../i18n';
import { previewOf } from '../lib/media';
import { useStore } from '../state/react';
import type { ChatItem } from '../state/store';
import { ChatAvatar } from './avatar';
import { SendIcon } from './icons';
import { ModalDialog } from './modal-dialog';

/**
 * "Forward to…": the user's chats, searched by title, up to LIMITS.forwardMaxChats picked; Send forwards the
 * message to each (the copies say "Forwarded"). Chats the user cannot write in are left out.
 */
export function ForwardPicker({ from, message, onDone }: { from: ChatItem; message: ChatMessage; onDone: () => void }) {
  const store = useStore();
  const searchRef = useRef<HTMLInputElement>(null);
  const [query, setQuery] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  useEffect(() => searchRef.current?.focus(), []);

  const needle = query.trim().toLocaleLowerCase();
  const chats = store
    .chats()
    .filter((chat) => !chat.gone && !(chat.peer_user_id && store.blocks.has(chat.peer_user_id)))
    .filter((chat) => !needle || store.chatTitle(chat).toLocaleLowerCase().includes(needle));
  const full = picked.length >= LIMITS.forwardMaxChats;
  const toggle = (chatId: string) =>
    setPicked((old) => (old.includes(chatId) ? old.filter((id) => id !== chatId) : [...old, chatId]));

  const send = () => {
    if (picked.length === 0) return;
    store.messages.forward(message, picked);
    onDone();
    // Forwarding to one chat opens it, as WhatsApp does; to several, the user stays where they were.
    if (picked.length === 1 && picked[0] !== from.chat_id) store.setOpenChat(picked[0]!);
  };

  return (
    <ModalDialog title={t('fwd.title')} onCancel={onDone} placesFocus className="forward-dialog">
      <p className="forward-preview">{previewOf(message, t)}</p>
      <input
        ref={searchRef}
        type="search"
        className="search-input forward-search"
        placeholder={t('fwd.search')}
        aria-label={t('fwd.search')}
        value={query}
        onChange={(event) => setQuery(event.target.value)}
      />
      <p className="person-sub forward-count" aria-live="polite">
        {t('fwd.selected', { count: picked.length, max: LIMITS.forwardMaxChats })}
      </p>
      <ul className="people-list pick-list forward-list">
        {chats.map((chat) => {
          const checked = picked.includes(chat.chat_id);
          const title = store.chatTitle(chat);
          return (
            <li key={chat.chat_id}>
              <label className="person-row pick-row" data-chat-id={chat.chat_id}>
                <input
                  type="checkbox"
                  checked={checked}
                  disabled={!checked && full}
                  onChange={() => toggle(chat.chat_id)}
                />
                <ChatAvatar chat={chat} title={title} store={store} size={40} />
                <span className="person-main">
                  <span className="chat-title">{title}</span>
                </span>
              </label>
            </li>
          );
        })}
      </ul>
      {chats.length === 0 ? <p className="list-empty">{t('fwd.none')}</p> : null}
      <div className="dialog-actions">
        <button type="button" className="link" onClick={onDone}>
          {t('info.cancel')}
        </button>
        <button type="button" className="primary" disabled={picked.length === 0} onClick={send}>
          <SendIcon size={18} /> {t('fwd.send')}
        </button>
      </div>
    </ModalDialog>
  );
}
