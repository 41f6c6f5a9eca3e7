import { Fragment, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { locale, t } from '../i18n';
import { messageMedia, outboxMedia } from '../lib/media';
import { type ActionContext, messageActions } from '../lib/message-actions';
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

/** How long a message a quote was clicked for stays highlighted (ms). */
const HIGHLIGHT_MS = 2000;

/**
 * The conversation's messages with date separators; keeps to the bottom, pages older history in at the top.
 * `jump`: a message to bring into view and highlight (a quote was clicked), paging older history in until it is
 * there. One bubble is in the Tab order; ↑/↓, Home and End move between bubbles.
 */
export function MessageList({ chat, jump }: { chat: ChatItem; jump?: { id: number; at: number } | null }) {
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
  // A page that failed while offline (a cold start from the offline cache): filling the view waits for the
  // connection instead of asking again at every render.
  const [failedOffline, setFailedOffline] = useState(false);
  const online = store.state === 'online';
  useEffect(() => {
    if (online) setFailedOffline(false);
  }, [online]);

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
  /** The bubble Tab reaches: the last one focused, else the newest. */
  const [focusId, setFocusId] = useState<number | undefined>(undefined);
  const [highlight, setHighlight] = useState<number | undefined>(undefined);

  const loadOlder = useCallback(async () => {
    if (loadingRef.current || !client.hasOlder(chatId) || (chat.gone && refused)) return;
    loadingRef.current = true;
    setLoading(true);
    try {
      await client.loadOlder(chatId, PAGE);
    } catch {
      // Offline: scrolling up again retries (and filling the view, once online).
      if (chat.gone) setRefused(true);
      if (store.state !== 'online') setFailedOffline(true);
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

  // The view shrinks when the box grows (a reply or edit bar, more lines): one that was at the bottom stays there.
  useEffect(() => {
    const el = scrollRef.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      if (atBottom.current) el.scrollTop = el.scrollHeight;
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // Fill the view: fetch older pages until it scrolls (or the chat's start is reached).
  useEffect(() => {
    const el = scrollRef.current;
    if (el && hasOlder && !loading && !failedOffline && el.scrollHeight <= el.clientHeight + LOAD_OLDER_AT) {
      void loadOlder();
    }
  });

  // A quote was clicked: page older history in until the quoted message is held, then show it.
  useEffect(() => {
    if (!jump) return;
    let live = true;
    const bring = async () => {
      while (live && !client.messages(chatId).some((m) => m.id === jump.id) && client.hasOlder(chatId)) {
        const before = client.messages(chatId)[0]?.id;
        try {
          await client.loadOlder(chatId, PAGE);
        } catch {
          return;
        }
        if (client.messages(chatId)[0]?.id === before) return;
        store.changed();
      }
      if (!live) return;
      requestAnimationFrame(() => {
        const bubble = scrollRef.current?.querySelector<HTMLElement>(
          `.message-row[data-message-id="${jump.id}"] .bubble`,
        );
        if (!bubble) return;
        bubble.scrollIntoView({ block: 'center' });
        bubble.focus({ preventScroll: true });
        setHighlight(jump.id);
      });
    };
    void bring();
    return () => {
      live = false;
    };
  }, [jump, client, chatId, store]);

  useEffect(() => {
    if (highlight === undefined) return;
    const timer = setTimeout(() => setHighlight(undefined), HIGHLIGHT_MS);
    return () => clearTimeout(timer);
  }, [highlight]);

  // ↑/↓ (Home, End) from a focused bubble to the next one, which becomes the one Tab reaches.
  const onKeyDown = (event: React.KeyboardEvent) => {
    const target = event.target as HTMLElement;
    if (!target.classList.contains('bubble')) return;
    const moves: Record<string, number> = { ArrowUp: -1, ArrowDown: 1, Home: -Infinity, End: Infinity };
    const step = moves[event.key];
    if (step === undefined) return;
    const bubbles = [...(scrollRef.current?.querySelectorAll<HTMLElement>('.bubble[tabindex]') ?? [])];
    const index = bubbles.indexOf(target);
    const to = step === -Infinity ? 0 : step === Infinity ? bubbles.length - 1 : index + step;
    const next = bubbles[Math.max(0, Math.min(bubbles.length - 1, to))];
    if (!next) return;
    event.preventDefault();
    next.focus();
    next.scrollIntoView({ block: 'nearest' });
  };
  const onFocus = (event: React.FocusEvent) => {
    const target = event.target as HTMLElement;
    if (!target.classList.contains('bubble')) return;
    const id = Number(target.closest('.message-row')?.getAttribute('data-message-id'));
    if (id) setFocusId(id);
  };

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
  // A mention is the name as typed ("@Ana"), the user's own too (not "You").
  const userName = (userId: string) =>
    (userId === me ? store.profile?.username : store.people.get(userId)?.username) ?? '';
  const context: ActionContext = {
    me,
    kind: chat.kind,
    role: store.groups.roleIn(chat),
    nowSeconds: Math.floor(now / 1000),
    // Read-only: a group the user is no longer in, or a DM with someone blocked (the server refuses changes).
    gone: Boolean(chat.gone) || (chat.kind === 'dm' && chat.peer_user_id ? store.blocks.has(chat.peer_user_id) : false),
  };
  const held = rows.flatMap((r) => (r.item.kind === 'message' && !isSystem(r.item.message) ? [r.item.message.id] : []));
  const tabbableId = focusId !== undefined && held.includes(focusId) ? focusId : held.at(-1);

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
        <ol className="messages" onKeyDown={onKeyDown} onFocus={onFocus}>
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
                  <MessageBubble
                    {...bubbleProps(row, first, isPublic, me, nameOf, store)}
                    {...storedProps(row.item, context, tabbableId, highlight, userName)}
                  />
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

/** What only a stored message has: its menu, mentions, and its place in the keyboard's order. */
function storedProps(
  item: ShownMessage,
  context: ActionContext,
  tabbableId: number | undefined,
  highlight: number | undefined,
  userName: (userId: string) => string,
): Partial<BubbleProps> {
  if (item.kind !== 'message') return { me: context.me };
  const m = item.message;
  return {
    me: context.me,
    message: m,
    actions: messageActions(m, context),
    mentioned: m.mentions?.map((user_id) => ({ user_id, name: userName(user_id) })),
    tabbable: m.id === tabbableId,
    highlighted: m.id === highlight,
  };
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
    return {
      ...base,
      body: m.body ?? '',
      messageId: m.id,
      state: own ? (m.state ?? 'sent') : undefined,
      media: messageMedia(m),
    };
  }
  const { entry } = item;
  // A forward on its way has no text of its own (the server copies the source's): show the source's.
  const source = entry.forward_of;
  const original = source ? store.client.messages(source.chat_id).find((m) => m.id === source.message_id) : undefined;
  const body = source ? (original?.body ?? '') : entry.body;
  const media = entry.media ? outboxMedia(entry.media) : original ? messageMedia(original) : undefined;
  if (item.kind === 'acked') return { ...base, body, messageId: item.message_id, state: 'sent', media };
  const uploading = entry.media && !entry.media.uploaded && entry.state === 'pending';
  return {
    ...base,
    body,
    state: entry.state,
    media,
    upload: uploading
      ? {
          clientMsgId: entry.client_msg_id,
          sent: entry.media?.sent ?? 0,
          total: entry.media?.size ?? 0,
          onCancel: () => store.client.discard(entry.client_msg_id),
        }
      : undefined,
    onRetry: () => store.client.retry(entry.client_msg_id),
    onDiscard: () => store.client.discard(entry.client_msg_id),
  };
}
