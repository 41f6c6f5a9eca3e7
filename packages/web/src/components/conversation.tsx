import { useEffect, useRef, useState } from 'react';
import { t } from '../i18n';
import { previewText } from '../lib/people';
import { useNarrow, useStore } from '../state/react';
import { Composer } from './composer';
import { ConversationHeader } from './conversation-header';
import { MessageList } from './message-list';

/** The open chat: header, messages, composer, and a polite live region that reads new messages aloud. */
export function Conversation({ chatId }: { chatId: string }) {
  const store = useStore();
  const narrow = useNarrow();
  const chat = store.chat(chatId);
  const composerRef = useRef<HTMLTextAreaElement>(null);
  const [announcement, setAnnouncement] = useState('');

  useEffect(
    () =>
      store.on('incoming', (message) => {
        if (message.chat_id !== chatId) return;
        const name = store.people.get(message.sender_id)?.username || t('user.unknown');
        setAnnouncement(t('conv.newFrom', { name, body: previewText(message.body) }));
      }),
    [store, chatId],
  );

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
  return (
    <section className="conversation" aria-label={store.chatTitle(chat)}>
      <ConversationHeader chat={chat} onBack={onBack} />
      <MessageList chat={chat} />
      <Composer ref={composerRef} chatId={chatId} />
      <div className="sr-only" aria-live="polite" aria-atomic="true">
        {announcement}
      </div>
    </section>
  );
}
