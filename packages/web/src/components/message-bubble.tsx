import type { MessageState } from '@papo/client';
import { memo, type ReactNode, useState } from 'react';
import { locale, t } from '../i18n';
import { isBigEmoji } from '../lib/emoji';
import { foldAt } from '../lib/fold';
import { linkParts } from '../lib/message-text';
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

/**
 * A body's text with its links, cut at `end` (a link the cut falls in is kept whole). Text stays React text
 * nodes: HTML in a body is shown as typed, never interpreted.
 */
function LinkedText({ body, end }: { body: string; end: number }) {
  const nodes: ReactNode[] = [];
  let at = 0;
  for (const part of linkParts(body)) {
    if (at >= end) break;
    if (part.kind === 'link') {
      nodes.push(
        <a key={at} href={part.href} target="_blank" rel="noopener noreferrer nofollow">
          {part.text}
        </a>,
      );
    } else {
      nodes.push(part.text.slice(0, end - at));
    }
    at += part.text.length;
  }
  return <>{nodes}</>;
}

/** The body: links, large when it is only a few emoji, folded behind "Read more" when long. */
function MessageBody({ body }: { body: string }) {
  const [expanded, setExpanded] = useState(false);
  if (isBigEmoji(body)) return <span className="body big-emoji">{body}</span>;
  const fold = expanded ? undefined : foldAt(body);
  return (
    <span className="body">
      <LinkedText body={body} end={fold ?? body.length} />
      {fold === undefined ? null : (
        <>
          {'… '}
          <button type="button" className="read-more" onClick={() => setExpanded(true)}>
            {t('conv.readMore')}
          </button>
        </>
      )}
    </span>
  );
}

/** One message. */
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
        <MessageBody body={body} />
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
