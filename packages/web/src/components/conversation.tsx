import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { t } from '../i18n';
import { previewText } from '../lib/people';
import { isSystem, systemText } from '../lib/system-text';
import { useNarrow, useStore } from '../state/react';
import type { ChatItem } from '../state/store';
import { Composer } from './composer';
import { ConversationHeader } from './conversation-header';
import { GroupInfo } from './group-info';
import { MessageList } from './message-list';

/** The open chat: header, messages, composer, and a polite live region that reads new messages aloud. */
export function Conversation({ chatId }: { chatId: string }) {
  const store = useStore();
  const narrow = useNarrow();
  const chat = store.chat(chatId);
  const composerRef = useRef<HTMLTextAreaElement>(null);
  const [announcement, setAnnouncement] = useState('');
  const [infoOpen, setInfoOpen] = useState(false);
  const infoId = useId();

  useEffect(
    () =>
      store.on('incoming', (message) => {
        if (message.chat_id !== chatId) return;
        const name = (userId: string) => store.people.get(userId)?.username || t('user.unknown');
        if (isSystem(message)) {
          if (message.system) setAnnouncement(systemText(message.system, store.client.userId ?? '', name, t));
          return;
        }
        setAnnouncement(t('conv.newFrom', { name: name(message.sender_id), body: previewText(message.body ?? '') }));
      }),
    [store, chatId],
  );

  // The info drawer closes back to the header's title, where it was opened from.
  const closeInfo = useCallback(() => {
    setInfoOpen(false);
    requestAnimationFrame(() => document.querySelector<HTMLButtonElement>('.conversation .title-button')?.focus());
  }, []);

  // On a desktop the cursor goes to the message box; on a phone that would pop the keyboard up.
  const ready = chat !== undefined;
  useEffect(() => {
    if (ready && !narrow) composerRef.current?.focus();
  }, [ready, narrow]);

  const onBack = () => {
    store.setOpenChat(null);
    requestAnimationFrame(() =>
      document.querySelector<HTMLButtonElement>(`button.chat-row[data-chat-id="${chatId}"]`)?.focus(),
    );
  };

  if (!chat) return <section className="conversation" aria-busy="true" />;
  const group = chat.kind === 'group';
  return (
    <div className={infoOpen && group ? 'conversation-area info-open' : 'conversation-area'}>
      <section className="conversation" aria-label={store.chatTitle(chat)}>
        <ConversationHeader
          chat={chat}
          onBack={onBack}
          {...(group ? { onInfo: () => (infoOpen ? closeInfo() : setInfoOpen(true)), infoOpen, infoId } : {})}
        />
        <MessageList chat={chat} />
        <ComposerOrNote chat={chat} composerRef={composerRef} />
        <div className="sr-only" aria-live="polite" aria-atomic="true">
          {announcement}
        </div>
      </section>
      {infoOpen && group ? <GroupInfo id={infoId} chat={chat} onClose={closeInfo} /> : null}
    </div>
  );
}

/**
 * The message box; in its place a line saying why there is none: removed from the group, left it, or the DM's
 * peer is blocked (with Unblock).
 */
function ComposerOrNote({
  chat,
  composerRef,
}: {
  chat: ChatItem;
  composerRef: React.RefObject<HTMLTextAreaElement | null>;
}) {
  const store = useStore();
  if (chat.gone) {
    return (
      <p className="composer-note" role="status" data-testid="composer-note">
        {chat.gone === 'removed' ? t('conv.removed') : t('conv.left')}
      </p>
    );
  }
  const peer = chat.kind === 'dm' ? chat.peer_user_id : undefined;
  if (peer && store.blocks.has(peer)) {
    const name = store.people.get(peer)?.username || chat.title;
    return (
      <p className="composer-note" data-testid="composer-note">
        {t('conv.blocked', { name })}{' '}
        <button type="button" className="link" onClick={() => void store.blocks.unblock(peer).catch(() => {})}>
          {t('conv.unblock')}
        </button>
      </p>
    );
  }
  return <Composer ref={composerRef} chatId={chat.chat_id} />;
}
