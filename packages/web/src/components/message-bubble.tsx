import type { ChatMessage, MessageState } from '@papo/client';
import { memo, type ReactNode, useCallback, useRef, useState } from 'react';
import { locale, t } from '../i18n';
import { isBigEmoji } from '../lib/emoji';
import { foldAt } from '../lib/fold';
import { useTouchGestures } from '../lib/long-press';
import type { ShownMedia } from '../lib/media';
import { type Mentionable, mentionParts } from '../lib/mentions';
import type { MessageAction } from '../lib/message-actions';
import { linkParts } from '../lib/message-text';
import { myReaction } from '../lib/reactions';
import { clockTime } from '../lib/time';
import { ChevronDownIcon } from './icons';
import { MediaContent, UploadProgress } from './media-content';
import { useMessageHandlers } from './message-context';
import { DeletedBody, ForwardedLabel, Quote, ReactionChips } from './message-extras';
import { MessageMenu } from './message-menu';
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
  /** The stored message (absent while it is on its way): its quote, reactions, labels and menu. */
  message?: ChatMessage | undefined;
  /** What its menu offers (none: no menu). */
  actions?: MessageAction[] | undefined;
  /** The members it mentions, with their names, to highlight their "@Name"s. */
  mentioned?: Mentionable[] | undefined;
  /** The one bubble of the list that Tab reaches (the others by the arrow keys). */
  tabbable?: boolean;
  /** Briefly highlighted: the message a quote was clicked for. */
  highlighted?: boolean;
  me?: string;
  /** A photo, video, voice note or file (the body is then its caption). */
  media?: ShownMedia | undefined;
  /** While its bytes upload: how far, and how to cancel. */
  upload?: { clientMsgId: string; sent: number; total: number; onCancel: () => void } | undefined;
};

/**
 * A body's text with its links and mentions, cut at `end` (a link the cut falls in is kept whole). Text stays
 * React text nodes: HTML in a body is shown as typed, never interpreted.
 */
function LinkedText({ body, end, mentioned }: { body: string; end: number; mentioned: Mentionable[] }) {
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
      let inner = at;
      for (const piece of mentionParts(part.text.slice(0, end - at), mentioned)) {
        nodes.push(
          piece.kind === 'mention' ? (
            <span key={inner} className="mention" data-user-id={piece.userId}>
              {piece.text}
            </span>
          ) : (
            piece.text
          ),
        );
        inner += piece.text.length;
      }
    }
    at += part.text.length;
  }
  return <>{nodes}</>;
}

/** The body: links, mentions, large when it is only a few emoji, folded behind "Read more" when long. */
function MessageBody({ body, mentioned }: { body: string; mentioned: Mentionable[] }) {
  const [expanded, setExpanded] = useState(false);
  if (isBigEmoji(body)) return <span className="body big-emoji">{body}</span>;
  const fold = expanded ? undefined : foldAt(body);
  return (
    <span className="body">
      <LinkedText body={body} end={fold ?? body.length} mentioned={mentioned} />
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

const NO_MENTIONS: Mentionable[] = [];

/** One message; a stored one has a menu ("⌄", right click, long press, Enter or the menu key when focused). */
export const MessageBubble = memo(function MessageBubble(props: BubbleProps) {
  const { own, first, senderName, senderColor, showName, body, createdAt, state, messageId, message } = props;
  const handlers = useMessageHandlers();
  const actions = handlers && message ? (props.actions ?? []) : [];
  const [menuOpen, setMenuOpen] = useState(false);
  const bubbleRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const time = clockTime(createdAt, locale);
  const deleted = message?.deleted === true;
  const edited = message?.edited_at !== undefined && !deleted;

  const openMenu = useCallback(() => {
    if (actions.length > 0) setMenuOpen(true);
  }, [actions.length]);
  const closeMenu = useCallback((focusBubble: boolean) => {
    setMenuOpen(false);
    if (focusBubble) bubbleRef.current?.focus();
  }, []);
  const gestures = useTouchGestures({
    onLongPress: openMenu,
    ...(actions.includes('reply') && handlers && message
      ? { onSwipeRight: () => handlers.action('reply', message) }
      : {}),
  });

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.target !== event.currentTarget) return;
    if (event.key === 'Enter' || event.key === 'ContextMenu' || (event.key === 'F10' && event.shiftKey)) {
      event.preventDefault();
      openMenu();
    }
  };

  return (
    <li
      className={`message-row ${own ? 'own' : 'other'}${first ? ' first' : ''}${props.highlighted ? ' highlighted' : ''}`}
      data-message-id={messageId}
      data-own={own ? 'true' : 'false'}
    >
      {/* biome-ignore lint/a11y/noStaticElementInteractions: the bubble is focusable for its menu (Enter, the menu
          key, right click, long press); the same menu is a real button inside it */}
      <div
        ref={bubbleRef}
        className={`bubble${state === 'failed' ? ' failed' : ''}${menuOpen ? ' menu-open' : ''}${deleted ? ' deleted' : ''}${props.media && !deleted ? ` has-media media-kind-${props.media.type}` : ''}`}
        // Focusable so the keyboard reaches the menu; one bubble is in the Tab order, arrows move between them.
        tabIndex={message ? (props.tabbable ? 0 : -1) : undefined}
        onKeyDown={message ? onKeyDown : undefined}
        onContextMenu={
          actions.length > 0
            ? (event) => {
                if (!event.currentTarget.contains(event.target as Node)) return;
                event.preventDefault();
                openMenu();
              }
            : undefined
        }
        {...(actions.length > 0 ? gestures : {})}
      >
        {showName ? (
          <span className="sender" style={{ color: senderColor }} aria-hidden="true">
            {senderName}
          </span>
        ) : null}
        <span className="sr-only">{senderName}: </span>
        {message?.forwarded && !deleted ? <ForwardedLabel /> : null}
        {message?.reply_to && !deleted ? <Quote quote={message.reply_to} me={props.me ?? ''} /> : null}
        {props.media && !deleted ? (
          <MediaContent
            media={props.media}
            onOpen={handlers && message && props.media.type === 'image' ? () => handlers.showMedia(message) : undefined}
          />
        ) : null}
        {props.upload ? <UploadProgress {...props.upload} /> : null}
        {deleted ? (
          <DeletedBody own={own} />
        ) : body || !props.media ? (
          <MessageBody body={body} mentioned={props.mentioned ?? NO_MENTIONS} />
        ) : null}
        {/* An invisible copy of the time (and room for the ticks) keeps the last line clear of the real one. */}
        <span className="meta-spacer" aria-hidden="true">
          {edited ? `${t('msg.edited')} ` : null}
          {time}
          {own && !deleted ? <span className="tick-room" /> : null}
        </span>
        <span className="meta">
          {edited ? <span className="edited-label">{t('msg.edited')}</span> : null}
          <time dateTime={new Date(createdAt * 1000).toISOString()}>{time}</time>
          {own && state && !deleted ? <Ticks state={state} size={18} /> : null}
        </span>
        {actions.length > 0 ? (
          <button
            ref={buttonRef}
            type="button"
            className="bubble-menu-button"
            // Reached by Enter on the bubble: one Tab stop per bubble is enough.
            tabIndex={-1}
            aria-label={t('msg.options')}
            title={t('msg.options')}
            aria-haspopup="menu"
            aria-expanded={menuOpen}
            onClick={() => (menuOpen ? closeMenu(false) : openMenu())}
          >
            <ChevronDownIcon size={20} />
          </button>
        ) : null}
      </div>
      {message && !deleted ? <ReactionChips message={message} me={props.me ?? ''} /> : null}
      {menuOpen && message && handlers ? (
        <MessageMenu
          anchor={buttonRef.current ?? bubbleRef.current!}
          actions={actions}
          myReaction={myReaction(message.reactions, props.me ?? '')}
          onClose={closeMenu}
          onAction={(action) => {
            setMenuOpen(false);
            handlers.action(action, message);
          }}
          onReact={(emoji) => {
            closeMenu(true);
            handlers.react(message, emoji);
          }}
        />
      ) : null}
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
