import { useEffect } from 'react';

/**
 * A drawer beside the conversation (group info, message info) closes on Escape, unless a menu, dialog or field
 * in editing inside it handled that Escape first (and said so with preventDefault).
 */
export function useEscapeCloses(onClose: () => void): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented) onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
}
