import type { MessageState } from '@papo/client';
import { memo } from 'react';
import { locale, t } from '../i18n';
import { clockTime } from '../lib/time';
import { Ticks } from './ticks';

export type BubbleProps = {
  own: boolean;
  /** First of a run by the same sender: gets the tail (and, in public chats, the name). */
  first: boolean;
  /** Said to screen readers before the body; shown above it when `showName`. */
  senderName: string;
  senderColor?: string | undefined;
  showName: boolean;
  body: string;
  createdAt: number;
  state?: MessageState | undefined;
  messageId?: number | undefined;
  onRetry?: (() => void) | undefined;
  onDiscard?: (() => void) | undefined;
};

/** One message. The body is a React text node: HTML in it is shown as typed, never interpreted. */
export const MessageBubble = memo(function MessageBubble(props: BubbleProps) {
  const { own, first, senderName, senderColor, showName, body, createdAt, state, messageId } = props;
  const time = clockTime(createdAt, locale);
  return (
    <li
      className={`message-row ${own ? 'own' : 'other'}${first ? ' first' : ''}`}
      data-message-id={messageId}
      data-own={own ? 'true' : 'false'}
    >
      <div className={`bubble${state === 'failed' ? ' failed' : ''}`}>
        {showName ? (
          <span className="sender" style={{ color: senderColor }} aria-hidden="true">
            {senderName}
          </span>
        ) : null}
        <span className="sr-only">{senderName}: </span>
        <span className="body">{body}</span>
        {/* An invisible copy of the time (and room for the ticks) keeps the last line clear of the real one. */}
        <span className="meta-spacer" aria-hidden="true">
          {time}
          {own ? <span className="tick-room" /> : null}
        </span>
        <span className="meta">
          <time dateTime={new Date(createdAt * 1000).toISOString()}>{time}</time>
          {own && state ? <Ticks state={state} size={18} /> : null}
        </span>
      </div>
      {state === 'failed' ? (
        <div className="failed-actions">
          <span>{t('conv.failed')}</span>
          <button type="button" className="link" onClick={props.onRetry}>
            {t('conv.retry')}
          </button>
          <button type="button" className="link danger" onClick={props.onDiscard}>
            {t('conv.discard')}
          </button>
        </div>
      ) : null}
    </li>
  );
});
