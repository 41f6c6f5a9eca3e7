import { type PointerEvent, useRef } from 'react';

/** How long a finger rests on a bubble before its menu opens (ms), and how far it may wander (px). */
const HOLD_MS = 500;
const SLOP_PX = 10;

/**
 * Long-press on touch screens: `onLongPress` after the finger rested HOLD_MS without moving (a scroll or a swipe
 * cancels it). Mouse and pen use the context menu and the "⌄" button instead.
 */
export function useLongPress(onLongPress: () => void) {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const start = useRef<{ x: number; y: number } | null>(null);
  const cancel = () => {
    clearTimeout(timer.current);
    start.current = null;
  };
  return {
    onPointerDown: (event: PointerEvent) => {
      if (event.pointerType !== 'touch') return;
      start.current = { x: event.clientX, y: event.clientY };
      clearTimeout(timer.current);
      timer.current = setTimeout(() => {
        start.current = null;
        onLongPress();
      }, HOLD_MS);
    },
    onPointerMove: (event: PointerEvent) => {
      const from = start.current;
      if (from && Math.hypot(event.clientX - from.x, event.clientY - from.y) > SLOP_PX) cancel();
    },
    onPointerUp: cancel,
    onPointerCancel: cancel,
  };
}
