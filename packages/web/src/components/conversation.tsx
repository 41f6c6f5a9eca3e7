import type { ChatMessage } from '@papo/client';
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { t } from '../i18n';
import { errorText } from '../lib/errors';
import { messageMedia, previewOf } from '../lib/media';
import { isSystem, systemText } from '../lib/system-text';
import { useNarrow, useStore } from '../state/react';
import type { ChatItem } from '../state/store';
import { Composer } from './composer';
import { ConversationHeader } from './conversation-header';
import { GroupInfo } from './group-info';
import { type Attachment, MediaPreview } from './media-preview';
import { MediaViewer } from './media-viewer';
import { type MessageHandlers, MessageHandlersContext } from './message-context';
import { type MessageDialog, MessageDialogs } from './message-dialogs';
import { MessageInfo } from './message-info';
import { MessageList } from './message-list';

/** The drawer beside the conversation: the group's info, or a message's. */
type Panel = { kind: 'group' } | { kind: 'message'; id: number } | null;

/** The open chat: header, messages, composer, and a polite live region that reads new messages aloud. */
export function Conversation({ chatId }: { chatId: string }) {
  const store = useStore();
  const narrow = useNarrow();
  const chat = store.chat(chatId);
  const composerRef = useRef<HTMLTextAreaElement>(null);
  const [announcement, setAnnouncement] = useState('');
  const [panel, setPanel] = useState<Panel>(null);
  const [dialog, setDialog] = useState<MessageDialog>(null);
  /** A quoted message to bring into view (`at` tells two clicks on the same quote apart). */
  const [jump, setJump] = useState<{ id: number; at: number } | null>(null);
  const infoId = useId();
  const infoOpen = panel?.kind === 'group';
  /** Files about to be sent (the preview sheet), and the photo open full screen. */
  const [attachment, setAttachment] = useState<Attachment | null>(null);
  const [viewing, setViewing] = useState<number | null>(null);
  const [dragging, setDragging] = useState(false);
  const attach = useCallback((files: File[], asDocument: boolean) => setAttachment({ files, asDocument }), []);

  useEffect(
    () =>
      store.on('incoming', (message) => {
        if (message.chat_id !== chatId) return;
        const name = (userId: string) => store.people.get(userId)?.username || t('user.unknown');
        if (isSystem(message)) {
          if (message.system) setAnnouncement(systemText(message.system, store.client.userId ?? '', name, t));
          return;
        }
        setAnnouncement(t('conv.newFrom', { name: name(message.sender_id), body: previewOf(message, t) }));
      }),
    [store, chatId],
  );

  // The info drawer closes back to the header's title, where it was opened from.
  const closeInfo = useCallback(() => {
    setPanel(null);
    requestAnimationFrame(() => document.querySelector<HTMLButtonElement>('.conversation .title-button')?.focus());
  }, []);
  // Message info closes back to its bubble.
  const closeMessageInfo = useCallback(() => {
    const id = panel?.kind === 'message' ? panel.id : undefined;
    setPanel(null);
    requestAnimationFrame(() =>
      document.querySelector<HTMLElement>(`.message-row[data-message-id="${id}"] .bubble`)?.focus(),
    );
  }, [panel]);

  const handlers = useMemo<MessageHandlers>(() => {
    const failed = (err: unknown) => setAnnouncement(errorText(err, t));
    return {
      action: (action, message) => {
        if (action === 'reply' || action === 'edit') {
          store.messages.setMode(chatId, { kind: action, message });
          composerRef.current?.focus();
        } else if (action === 'copy') {
          void navigator.clipboard?.writeText(message.body ?? '').then(
            () => setAnnouncement(t('msg.copied')),
            () => {},
          );
        } else if (action === 'info') {
          setPanel({ kind: 'message', id: message.id });
        } else {
          setDialog({ kind: action, message });
        }
      },
      react: (message, emoji) => void store.messages.react(message, emoji).catch(failed),
      showQuoted: (id) => setJump({ id, at: Date.now() }),
      showReactions: (message: ChatMessage) => setDialog({ kind: 'reactions', message }),
      showMedia: (message: ChatMessage) => setViewing(message.id),
      nameOf: (userId) =>
        userId === store.client.userId ? t('conv.you') : store.people.get(userId)?.username || t('user.unknown'),
    };
  }, [store, chatId]);

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
  const canSend = !chat.gone && !(chat.kind === 'dm' && chat.peer_user_id && store.blocks.has(chat.peer_user_id));
  // Files dragged over the conversation: dropped, they open the preview sheet (as photos when they are).
  const dropHandlers = canSend
    ? {
        onDragOver: (event: React.DragEvent) => {
          if (!event.dataTransfer.types.includes('Files')) return;
          event.preventDefault();
          setDragging(true);
        },
        onDragLeave: (event: React.DragEvent) => {
          if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
        },
        onDrop: (event: React.DragEvent) => {
          setDragging(false);
          const files = [...event.dataTransfer.files];
          if (files.length === 0) return;
          event.preventDefault();
          attach(files, false);
        },
      }
    : {};
  const images = viewing === null ? [] : store.client.messages(chatId).filter((m) => messageMedia(m)?.type === 'image');
  return (
    <MessageHandlersContext.Provider value={handlers}>
      <div className={panel ? 'conversation-area info-open' : 'conversation-area'}>
        <section
          className={dragging ? 'conversation dragging' : 'conversation'}
          aria-label={store.chatTitle(chat)}
          {...dropHandlers}
        >
          <ConversationHeader
            chat={chat}
            onBack={onBack}
            {...(group
              ? { onInfo: () => (infoOpen ? closeInfo() : setPanel({ kind: 'group' })), infoOpen, infoId }
              : {})}
          />
          <MessageList chat={chat} jump={jump} />
          <ComposerOrNote chat={chat} composerRef={composerRef} onAttach={attach} />
          {dragging ? (
            <div className="drop-hint" aria-hidden="true">
              {t('media.dropHere')}
            </div>
          ) : null}
          {attachment ? (
            <MediaPreview chatId={chatId} attachment={attachment} onClose={() => setAttachment(null)} />
          ) : null}
          {viewing !== null ? (
            <MediaViewer images={images} startId={viewing} nameOf={handlers.nameOf} onClose={() => setViewing(null)} />
          ) : null}
          <div className="sr-only" aria-live="polite" aria-atomic="true">
            {announcement}
          </div>
          <MessageDialogs chat={chat} dialog={dialog} onDone={() => setDialog(null)} />
        </section>
        {infoOpen && group ? <GroupInfo id={infoId} chat={chat} onClose={closeInfo} /> : null}
        {panel?.kind === 'message' ? (
          <MessageInfo key={panel.id} id={infoId} chat={chat} messageId={panel.id} onClose={closeMessageInfo} />
        ) : null}
      </div>
    </MessageHandlersContext.Provider>
  );
}

/**
 * The message box; in its place a line saying why there is none: removed from the group, left it, or the DM's
 * peer is blocked (with Unblock).
 */
function ComposerOrNote({
  chat,
  composerRef,
  onAttach,
}: {
  chat: ChatItem;
  composerRef: React.RefObject<HTMLTextAreaElement | null>;
  onAttach: (files: File[], asDocument: boolean) => void;
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
  return <Composer ref={composerRef} chatId={chat.chat_id} onAttach={onAttach} />;
}
