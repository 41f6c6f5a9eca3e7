import { Fragment, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { locale, t } from '../i18n';
import { nameColor } from '../lib/people';
import { isSystem, systemText } from '../lib/system-text';
import { dayKey, dayLabel } from '../lib/time';
import { useNow, useStore } from '../state/react';
import type { ChatItem, ShownMessage } from '../state/store';
import { ArrowDownIcon } from './icons';
import { type BubbleProps, MessageBubble } from './message-bubble';

/** Older history is fetched when the user scrolls this close to the top (px). */
const LOAD_OLDER_AT = 200;
const PAGE = 30;
/** Within this of the bottom counts as "at the bottom": new messages keep it pinned there. */
const BOTTOM_SLACK = 80;

type Row = { key: string; day: number; sender: string; createdAt: number; item: ShownMessage };

function rowOf(item: ShownMessage, me: string): Row {
  if (item.kind === 'message') {
    const m = item.message;
    return {
      key: m.client_msg_id ? `c${m.client_msg_id}` : `m${m.id}`,
      day: dayKey(m.created_at),
      // A system message belongs to no one's run of bubbles: the next message starts a new one.
      sender: isSystem(m) ? '' : m.sender_id,
      createdAt: m.created_at,
      item,
    };
  }
  const createdAt = Math.floor(item.entry.created_at_ms / 1000);
  return { key: `c${item.entry.client_msg_id}`, day: dayKey(createdAt), sender: me, createdAt, item };
}

/** The conversation's messages with date separators; keeps to the bottom, pages older history in at the top. */
export function MessageList({ chat }: { chat: ChatItem }) {
  const store = useStore();
  const now = useNow(60_000);
  const { client } = store;
  const chatId = chat.chat_id;
  const me = client.userId ?? '';
  const rows = store.shown(chatId).map((item) => rowOf(item, me));
  // A group the user is no longer in: its history up to the removal may still be paged in, until the server
  // refuses once (then what is loaded is what there is: no asking again at every render).
  const [refused, setRefused] = useState(false);
  const hasOlder = client.hasOlder(chatId) && !(chat.gone && refused);

  const marker = store.unreadMarker?.chatId === chatId ? store.unreadMarker : null;
  const markerKey = marker
    ? rows.find(
        (r) => r.item.kind === 'message' && r.item.message.id > marker.afterId && r.sender !== me && r.sender !== '',
      )?.key
    : undefined;

  const scrollRef = useRef<HTMLElement>(null);
  const markerRef = useRef<HTMLLIElement>(null);
  const atBottom = useRef(true);
  const anchor = useRef<{ height: number; top: number } | null>(null);
  const loadingRef = useRef(false);
  const [loading, setLoading] = useState(false);
  const [newBelow, setNewBelow] = useState(0);
  const [away, setAway] = useState(false);
  const lastKey = useRef<string | undefined>(undefined);
  const count = useRef(0);

  const loadOlder = useCallback(async () => {
    if (loadingRef.current || !client.hasOlder(chatId) || (chat.gone && refused)) return;
    loadingRef.current = true;
    setLoading(true);
    try {
      await client.loadOlder(chatId, PAGE);
    } catch {
      // Offline: scrolling up again retries.
      if (chat.gone) setRefused(true);
    }
    const el = scrollRef.current;
    // Captured before the page is rendered: the layout effect keeps what the user was looking at in place.
    if (el) anchor.current = { height: el.scrollHeight, top: el.scrollTop };
    loadingRef.current = false;
    setLoading(false);
    store.changed();
  }, [client, chatId, store, chat.gone, refused]);

  const scrollToBottom = useCallback(() => {
    const el = scrollRef.current;
    if (el) el.scrollTop = el.scrollHeight;
    atBottom.current = true;
    setNewBelow(0);
    setAway(false);
  }, []);

  const last = rows.at(-1);
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    if (anchor.current) {
      el.scrollTop = el.scrollHeight - anchor.current.height + anchor.current.top;
      anchor.current = null;
    } else if (last?.key !== lastKey.current) {
      const added = Math.max(1, rows.length - count.current);
      const line = markerRef.current;
      if (lastKey.current === undefined && line && line.offsetTop > el.clientHeight / 2) {
        // Opened with unread messages: start at the "unread" line, not below what the user has not seen.
        el.scrollTop = line.offsetTop - 60;
        atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < BOTTOM_SLACK;
        setAway(!atBottom.current);
      } else if (lastKey.current === undefined || atBottom.current || last?.sender === me) scrollToBottom();
      else setNewBelow((n) => n + added);
    }
    lastKey.current = last?.key;
    count.current = rows.length;
  });

  // Fill the view: fetch older pages until it scrolls (or the chat's start is reached).
  useEffect(() => {
    const el = scrollRef.current;
    if (el && hasOlder && !loading && el.scrollHeight <= el.clientHeight + LOAD_OLDER_AT) void loadOlder();
  });

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < BOTTOM_SLACK;
    setAway(!atBottom.current);
    if (atBottom.current && newBelow > 0) setNewBelow(0);
    if (el.scrollTop < LOAD_OLDER_AT) void loadOlder();
  };

  const isPublic = chat.kind !== 'dm';
  const nameOf = (userId: string) =>
    userId === me ? t('conv.you') : store.people.get(userId)?.username || t('user.unknown');

  return (
    <div className="messages-wrap">
      {loading ? (
        <div className="loading-older" role="status">
          {t('conv.loadingOlder')}
        </div>
      ) : null}
      {/* Focusable, so the keyboard reaches it and scrolls it (arrows, Page Up/Down); a region, not a log: the
          conversation's own live region already reads new messages aloud. */}
      <section
        className="messages-scroll"
        ref={scrollRef}
        onScroll={onScroll}
        aria-label={t('conv.messages')}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be focusable to scroll by keyboard
        tabIndex={0}
      >
        {!hasOlder ? <p className="conversation-start">{rows.length > 0 ? t('conv.start') : t('conv.empty')}</p> : null}
        <ol className="messages">
          {rows.map((row, index) => {
            const previous = rows[index - 1];
            const newDay = !previous || previous.day !== row.day;
            const first = newDay || row.key === markerKey || previous?.sender !== row.sender;
            return (
              <Fragment key={row.key}>
                {newDay ? (
                  <li className="day-separator">
                    <h3>{dayLabel(row.createdAt, now, locale, t)}</h3>
                  </li>
                ) : null}
                {row.key === markerKey && marker ? (
                  <li className="unread-line" ref={markerRef}>
                    <span>
                      {marker.count === 1 ? t('conv.unreadOne') : t('conv.unreadMany', { count: marker.count })}
                    </span>
                  </li>
                ) : null}
                {row.item.kind === 'message' && isSystem(row.item.message) ? (
                  <li className="system-row" data-message-id={row.item.message.id}>
                    <span className="system-pill">
                      {row.item.message.system
                        ? systemText(row.item.message.system, me, nameOf, t)
                        : row.item.message.body}
                    </span>
                  </li>
                ) : (
                  <MessageBubble {...bubbleProps(row, first, isPublic, me, nameOf, store)} />
                )}
              </Fragment>
            );
          })}
          {chat.gone ? <GonePill chat={chat} me={me} nameOf={nameOf} /> : null}
        </ol>
      </section>
      {newBelow > 0 || away ? (
        <button
          type="button"
          className="scroll-down"
          aria-label={newBelow > 0 ? t('conv.newMessages', { count: newBelow }) : t('conv.scrollDown')}
          title={t('conv.scrollDown')}
          onClick={scrollToBottom}
        >
          {newBelow > 0 ? <span className="badge">{newBelow}</span> : null}
          <ArrowDownIcon />
        </button>
      ) : null}
    </div>
  );
}

/**
 * The last line of a group the user is no longer in: its own system message does not reach the one removed
 * (nothing of the group does after the removal), so it is said here, from the chat_removed event.
 */
function GonePill({ chat, me, nameOf }: { chat: ChatItem; me: string; nameOf: (userId: string) => string }) {
  const text =
    chat.gone === 'left'
      ? t('sys.left', { actor: t('sys.you') })
      : chat.goneBy
        ? systemText({ event: 'member_removed', by: chat.goneBy, user_id: me }, me, nameOf, t)
        : t('conv.removed');
  return (
    <li className="system-row">
      <span className="system-pill">{text}</span>
    </li>
  );
}

function bubbleProps(
  row: Row,
  first: boolean,
  isPublic: boolean,
  me: string,
  nameOf: (userId: string) => string,
  store: ReturnType<typeof useStore>,
): BubbleProps & { key?: string } {
  const own = row.sender === me;
  const base = {
    own,
    first,
    senderName: nameOf(row.sender),
    senderColor: nameColor(row.sender),
    showName: isPublic && !own && first,
    createdAt: row.createdAt,
  };
  const { item } = row;
  if (item.kind === 'message') {
    const m = item.message;
    return { ...base, body: m.body ?? '', messageId: m.id, state: own ? (m.state ?? 'sent') : undefined };
  }
  if (item.kind === 'acked') return { ...base, body: item.entry.body, messageId: item.message_id, state: 'sent' };
  const { entry } = item;
  return {
    ...base,
    body: entry.body,
    state: entry.state,
    onRetry: () => store.client.retry(entry.client_msg_id),
    onDiscard: () => store.client.discard(entry.client_msg_id),
  };
}
