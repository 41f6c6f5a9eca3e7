import { useEffect, useRef } from 'react';
import { t } from '../i18n';
import { BackIcon } from './icons';

/** The header of a drawer over the chat list: a back arrow (also Escape) and a title; focus starts on it. */
export function DrawerHeader({ title, onBack }: { title: string; onBack: () => void }) {
  const backRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onBack();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onBack]);
  useEffect(() => backRef.current?.focus(), []);
  return (
    <header className="drawer-header">
      <button ref={backRef} type="button" className="icon-button" aria-label={t('online.back')} onClick={onBack}>
        <BackIcon />
      </button>
      <h2>{title}</h2>
    </header>
  );
}
