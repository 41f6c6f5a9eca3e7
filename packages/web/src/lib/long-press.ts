import { type PointerEvent, useRef } from 'react';

/** How long a finger rests on a bubble before its menu opens (ms), and how far it may wander (px). */
const HOLD_MS = 500;
const SLOP_PX = 10;
/** A swipe to the right at least this long (px), and mostly sideways, answers the message (WhatsApp's). */
const SWIPE_PX = 60;

/**
 * A bubble's touch gestures: `onLongPress` after the finger rested HOLD_MS without moving; `onSwipeRight` when
 * it slid to the right (the bubble's `touch-action: pan-y` leaves sideways moves to us, scrolling to the
 * browser). Mouse and pen use the context menu and the "⌄" button instead.
 */
export function useTouchGestures({
  onLongPress,
  onSwipeRight,
}: {
  onLongPress: () => void;
  onSwipeRight?: () => void;
}) {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const start = useRef<{ x: number; y: number } | null>(null);
  const cancel = () => {
    clearTimeout(timer.current);
    start.current = null;
  };
  return {
    onPointerDown: (event: PointerEvent) => {
      // Events of the bubble's menu reach it through React's tree (the menu is a portal): not a touch on it.
      if (event.pointerType !== 'touch' || !event.currentTarget.contains(event.target as Node)) return;
      start.current = { x: event.clientX, y: event.clientY };
      clearTimeout(timer.current);
      timer.current = setTimeout(() => {
        start.current = null;
        onLongPress();
      }, HOLD_MS);
    },
    onPointerMove: (event: PointerEvent) => {
      const from = start.current;
      if (from && Math.hypot(event.clientX - from.x, event.clientY - from.y) > SLOP_PX) clearTimeout(timer.current);
    },
    onPointerUp: (event: PointerEvent) => {
      const from = start.current;
      cancel();
      if (!from || !onSwipeRight) return;
      const dx = event.clientX - from.x;
      if (dx > SWIPE_PX && Math.abs(event.clientY - from.y) < dx / 2) onSwipeRight();
    },
    onPointerCancel: cancel,
  };
}
