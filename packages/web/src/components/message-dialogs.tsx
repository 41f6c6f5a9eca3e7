import type { ChatMessage } from '@papo/client';
import { t } from '../i18n';
import { reactionRows } from '../lib/reactions';
import { useStore } from '../state/react';
import type { ChatItem } from '../state/store';
import { Avatar } from './avatar';
import { ConfirmDialog } from './confirm-dialog';
import { ForwardPicker } from './forward-picker';
import { ModalDialog } from './modal-dialog';

/** A dialog a message's menu or its reactions open. */
export type MessageDialog = { kind: 'delete' | 'forward' | 'reactions'; message: ChatMessage } | null;

/** "Delete for everyone?", the forward picker, or who reacted with what. */
export function MessageDialogs({
  chat,
  dialog,
  onDone,
}: {
  chat: ChatItem;
  dialog: MessageDialog;
  onDone: () => void;
}) {
  const store = useStore();
  if (!dialog) return null;
  const { message } = dialog;
  if (dialog.kind === 'delete') {
    return (
      <ConfirmDialog
        title={t('msg.deleteTitle')}
        text={message.sender_id === store.client.userId ? t('msg.deleteText') : t('msg.deleteTextAdmin')}
        confirmLabel={t('msg.deleteConfirm')}
        onCancel={onDone}
        onConfirm={async () => {
          await store.messages.remove(message);
          onDone();
        }}
      />
    );
  }
  if (dialog.kind === 'forward') return <ForwardPicker from={chat} message={message} onDone={onDone} />;
  // The message as it now stands: reactions change while the list is open.
  const current = store.client.messages(message.chat_id).find((m) => m.id === message.id) ?? message;
  return <ReactionsList message={current} onDone={onDone} />;
}

/** Who reacted with what, the user first (with a button to take the reaction back). */
function ReactionsList({ message, onDone }: { message: ChatMessage; onDone: () => void }) {
  const store = useStore();
  const me = store.client.userId ?? '';
  const rows = reactionRows(message.reactions, me);
  const nameOf = (userId: string) =>
    userId === me ? t('info.you') : store.people.get(userId)?.username || t('user.unknown');
  return (
    <ModalDialog title={t('msg.reactionsTitle', { count: rows.length })} onCancel={onDone} className="reactions-dialog">
      <ul className="people-list reaction-rows">
        {rows.map((row) => (
          <li key={row.user_id} className="member-row" data-user-id={row.user_id}>
            <Avatar
              id={row.user_id}
              name={nameOf(row.user_id)}
              url={store.people.get(row.user_id)?.avatar_url}
              size={36}
            />
            <span className="person-main">
              <span className="chat-title">{nameOf(row.user_id)}</span>
              {row.user_id === me ? (
                <button
                  type="button"
                  className="link small"
                  onClick={() => {
                    void store.messages.react(message, '').catch(() => {});
                    onDone();
                  }}
                >
                  {t('msg.removeReaction')}
                </button>
              ) : null}
            </span>
            <span className="reaction-row-emoji" role="img" aria-label={t('msg.reactedWith', { emoji: row.emoji })}>
              {row.emoji}
            </span>
          </li>
        ))}
      </ul>
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={onDone}>
          {t('msg.close')}
        </button>
      </div>
    </ModalDialog>
  );
}
