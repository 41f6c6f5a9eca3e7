import type { MessageReceipts } from '@papo/protocol';
import { useEffect, useState } from 'react';
import { locale, t } from '../i18n';
import { errorText } from '../lib/errors';
import { useEscapeCloses } from '../lib/escape-closes';
import { previewOf } from '../lib/media';
import { clockTime, dayLabel } from '../lib/time';
import { useNow, useStore } from '../state/react';
import type { ChatItem } from '../state/store';
import { Avatar } from './avatar';
import { InfoHeader } from './group-info';
import { CloseIcon } from './icons';
import { Ticks } from './ticks';

/** "Today 14:02", "Yesterday 09:15", "3 March 2026 18:40". */
function when(seconds: number, now: number): string {
  return t('msgInfo.when', { day: dayLabel(seconds, now, locale, t), time: clockTime(seconds, locale) });
}

/**
 * Message info, WhatsApp's: the message, then who read it, whose device has it, and who has not got it yet,
 * with when. Beside the conversation on a desktop, over it on a phone (as the group info drawer). Refreshed
 * while open whenever a receipt of the chat arrives. Escape (or the close button) closes it.
 */
export function MessageInfo({
  id,
  chat,
  messageId,
  onClose,
}: {
  id: string;
  chat: ChatItem;
  messageId: number;
  onClose: () => void;
}) {
  const store = useStore();
  const now = useNow(60_000);
  const { client } = store;
  const chatId = chat.chat_id;
  const [receipts, setReceipts] = useState<MessageReceipts | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    let asked = 0;
    const load = () => {
      const mine = ++asked;
      client.messageReceipts(chatId, messageId).then(
        (answer) => {
          // Only the newest answer counts: an older one may arrive after it.
          if (!live || mine !== asked) return;
          setReceipts(answer);
          setError(null);
        },
        (err: unknown) => {
          if (live && mine === asked) setError(errorText(err, t));
        },
      );
    };
    load();
    const forChat = (event: { chat_id: string }) => {
      if (event.chat_id === chatId) load();
    };
    const offs = [
      client.on('read_receipt', forChat),
      client.on('delivered_receipt', forChat),
      client.on('receipts', forChat),
    ];
    return () => {
      live = false;
      for (const off of offs) off();
    };
  }, [client, chatId, messageId]);

  useEscapeCloses(onClose);

  const message = client.messages(chatId).find((m) => m.id === messageId);
  const me = client.userId ?? '';
  const person = (userId: string) => store.people.get(userId);
  const nameOf = (userId: string) => (userId === me ? t('info.you') : person(userId)?.username || t('user.unknown'));

  const section = (key: 'read' | 'delivered', title: string) => {
    const entries = receipts?.[key] ?? [];
    if (entries.length === 0) return null;
    return (
      <section className="info-card" aria-labelledby={`${id}-${key}`}>
        <h3 className="info-section receipt-heading" id={`${id}-${key}`}>
          <span aria-hidden="true">
            <Ticks state={key} size={18} />
          </span>{' '}
          {title}
        </h3>
        <ul className="people-list receipt-list" data-testid={`receipts-${key}`}>
          {entries.map((entry) => (
            <li key={entry.user_id} className="member-row" data-user-id={entry.user_id}>
              <Avatar
                id={entry.user_id}
                name={nameOf(entry.user_id)}
                url={person(entry.user_id)?.avatar_url}
                size={40}
              />
              <span className="person-main">
                <span className="chat-title">{nameOf(entry.user_id)}</span>
                <span className="person-sub">{when(entry.at, now)}</span>
              </span>
            </li>
          ))}
        </ul>
      </section>
    );
  };

  return (
    <aside id={id} className="info-drawer message-info" aria-label={t('msgInfo.title')}>
      <InfoHeader title={t('msgInfo.title')} onClick={onClose} label={t('msgInfo.close')} icon={<CloseIcon />} />
      <div className="info-body">
        {message ? (
          <div className="message-info-preview">
            <div className={message.sender_id === me ? 'bubble info-bubble own-info' : 'bubble info-bubble'}>
              <span className="body">{message.deleted ? t('msg.deletedOwn') : previewOf(message, t)}</span>
              <span className="info-bubble-meta">
                {clockTime(message.created_at, locale)}
                {message.sender_id === me && message.state ? <Ticks state={message.state} size={18} /> : null}
              </span>
            </div>
          </div>
        ) : null}
        {error ? (
          <p className="info-card form-error" role="alert">
            {error}
          </p>
        ) : null}
        {receipts === null && !error ? (
          <p className="info-card person-sub" role="status">
            {t('info.loading')}
          </p>
        ) : null}
        {section('read', t('msgInfo.read'))}
        {section('delivered', t('msgInfo.delivered'))}
        {receipts && receipts.pending.length > 0 ? (
          <section className="info-card" aria-labelledby={`${id}-pending`}>
            <h3 className="info-section receipt-heading" id={`${id}-pending`}>
              <span aria-hidden="true">
                <Ticks state="sent" size={18} />
              </span>{' '}
              {t('msgInfo.pending')}
            </h3>
            <ul className="people-list receipt-list" data-testid="receipts-pending">
              {receipts.pending.map((userId) => (
                <li key={userId} className="member-row" data-user-id={userId}>
                  <Avatar id={userId} name={nameOf(userId)} url={person(userId)?.avatar_url} size={40} />
                  <span className="person-main">
                    <span className="chat-title">{nameOf(userId)}</span>
                  </span>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
        {receipts && receipts.read.length + receipts.delivered.length + receipts.pending.length === 0 ? (
          <p className="info-card person-sub">{t('msgInfo.nobody')}</p>
        ) : null}
      </div>
    </aside>
  );
}
