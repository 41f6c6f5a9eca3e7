import { type KeyboardEvent, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { type MessageKey, t } from '../i18n';
import { MORE_REACTIONS, QUICK_REACTIONS } from '../lib/emoji';
import type { MessageAction } from '../lib/message-actions';
import { useNarrow } from '../state/react';

const LABELS: Record<MessageAction, MessageKey> = {
  reply: 'msg.reply',
  react: 'msg.react',
  copy: 'msg.copy',
  forward: 'msg.forward',
  edit: 'msg.edit',
  delete: 'msg.delete',
  info: 'msg.info',
};
/** Room kept between the popup and the window's edges (px). */
const EDGE = 8;

/**
 * A message's menu, WhatsApp's way: a bar of reactions ("+" opens more) over the actions. Next to the bubble on
 * a desktop, a sheet at the bottom on a phone. Arrow keys, Home and End move, Escape closes and gives focus back
 * to the bubble, a click or tap outside closes.
 */
export function MessageMenu({
  anchor,
  actions,
  myReaction,
  onAction,
  onReact,
  onClose,
}: {
  /** What the popup is placed next to: the bubble's "⌄" button. */
  anchor: HTMLElement;
  actions: MessageAction[];
  /** The user's current reaction to the message (choosing it again removes it). */
  myReaction: string | undefined;
  onAction: (action: Exclude<MessageAction, 'react'>) => void;
  onReact: (emoji: string) => void;
  onClose: (focusBubble: boolean) => void;
}) {
  const narrow = useNarrow();
  const menuRef = useRef<HTMLDivElement>(null);
  const [more, setMore] = useState(false);
  const [place, setPlace] = useState<{ left: number; top: number } | null>(null);

  // Next to the anchor, inside the window: below it when there is room, else above.
  useLayoutEffect(() => {
    const menu = menuRef.current;
    if (!menu || narrow) return;
    const a = anchor.getBoundingClientRect();
    // Lined up with the bubble's outer edge: the right one of an own bubble, the left one of another's.
    const bubble = (anchor.closest('.bubble') ?? anchor).getBoundingClientRect();
    const own = anchor.closest('.message-row.own') !== null;
    const { width, height } = menu.getBoundingClientRect();
    const wanted = own ? bubble.right - width : bubble.left;
    const left = Math.max(EDGE, Math.min(wanted, window.innerWidth - width - EDGE));
    const below = a.bottom + 4;
    const top = below + height <= window.innerHeight - EDGE ? below : Math.max(EDGE, a.top - height - 4);
    setPlace((old) => (old?.left === left && old.top === top ? old : { left, top }));
  });

  // Focus goes in once the popup is placed (a hidden element takes no focus).
  const placed = narrow || place !== null;
  useEffect(() => {
    if (placed) menuRef.current?.querySelector<HTMLButtonElement>('[role="menuitem"]')?.focus();
  }, [placed]);

  useEffect(() => {
    const onPointer = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menuRef.current?.contains(target) && !anchor.contains(target)) onClose(false);
    };
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [anchor, onClose]);

  const onKeyDown = (event: KeyboardEvent) => {
    const items = [...(menuRef.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])];
    const index = items.indexOf(document.activeElement as HTMLButtonElement);
    const go = (to: number) => {
      event.preventDefault();
      items[(to + items.length) % items.length]?.focus();
    };
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      onClose(true);
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowRight') go(index + 1);
    else if (event.key === 'ArrowUp' || event.key === 'ArrowLeft') go(index - 1);
    else if (event.key === 'Home') go(0);
    else if (event.key === 'End') go(items.length - 1);
    else if (event.key === 'Tab') onClose(false);
  };

  const react = (emoji: string) => onReact(emoji === myReaction ? '' : emoji);
  const reactionButton = (emoji: string) => (
    <button
      key={emoji}
      type="button"
      role="menuitem"
      className={emoji === myReaction ? 'reaction-choice mine' : 'reaction-choice'}
      aria-label={emoji === myReaction ? t('msg.unreact', { emoji }) : t('msg.reactWith', { emoji })}
      onClick={() => react(emoji)}
    >
      {emoji}
    </button>
  );

  const items = actions.filter((a): a is Exclude<MessageAction, 'react'> => a !== 'react');
  const popup = (
    <>
      {narrow ? <div className="sheet-backdrop" aria-hidden="true" /> : null}
      <div
        ref={menuRef}
        role="menu"
        aria-label={t('msg.options')}
        className={narrow ? 'message-menu sheet' : 'message-menu'}
        style={narrow || !place ? (narrow ? undefined : { visibility: 'hidden' }) : place}
        onKeyDown={onKeyDown}
        data-testid="message-menu"
      >
        {actions.includes('react') ? (
          // biome-ignore lint/a11y/useSemanticElements: a group of menu items inside a menu (ARIA's menu pattern), not a form's fieldset
          <div role="group" aria-label={t('msg.react')} className={more ? 'reaction-bar more' : 'reaction-bar'}>
            {(more ? [...QUICK_REACTIONS, ...MORE_REACTIONS] : QUICK_REACTIONS).map(reactionButton)}
            {more ? null : (
              <button
                type="button"
                role="menuitem"
                className="reaction-choice reaction-more"
                aria-label={t('msg.moreReactions')}
                aria-expanded={false}
                onClick={() => {
                  setMore(true);
                  requestAnimationFrame(() =>
                    menuRef.current?.querySelectorAll<HTMLButtonElement>('.reaction-choice')[6]?.focus(),
                  );
                }}
              >
                +
              </button>
            )}
          </div>
        ) : null}
        {items.map((action) => (
          <button
            key={action}
            type="button"
            role="menuitem"
            className={action === 'delete' ? 'menu-item danger' : 'menu-item'}
            onClick={() => onAction(action)}
          >
            {t(LABELS[action])}
          </button>
        ))}
      </div>
    </>
  );
  // Inside the conversation's region (a landmark), out of the scrolling list that would clip it.
  return createPortal(popup, anchor.closest('.conversation') ?? document.body);
}
