import { type KeyboardEvent, useEffect, useRef } from 'react';

const FOCUSABLE =
  'button:not(:disabled), input:not(:disabled), select:not(:disabled), textarea:not(:disabled), a[href], [tabindex="0"]';

/**
 * What every modal dialog of the app does with the keyboard and focus: Escape cancels (and goes no further, so
 * a drawer behind it stays open), Tab and Shift+Tab go round its controls without leaving it, and, unless the
 * dialog places focus itself, focus starts on its first button and goes back where it was when it closes.
 */
export function useModalDialog(onCancel: () => void, options: { placesFocus?: boolean } = {}) {
  const dialogRef = useRef<HTMLDivElement>(null);
  const placesFocus = options.placesFocus ?? false;
  useEffect(() => {
    if (placesFocus) return;
    const returnTo = document.activeElement as HTMLElement | null;
    dialogRef.current?.querySelector<HTMLButtonElement>('button')?.focus();
    return () => {
      if (returnTo?.isConnected) returnTo.focus();
    };
  }, [placesFocus]);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      onCancel();
    } else if (event.key === 'Tab') {
      // Every control that takes focus (a dialog may hold fields and checkboxes too), disabled ones aside.
      const buttons = [...(dialogRef.current?.querySelectorAll<HTMLElement>(FOCUSABLE) ?? [])];
      const first = buttons[0];
      const last = buttons.at(-1);
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last?.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first?.focus();
      }
    }
  };
  return { dialogRef, onKeyDown };
}
