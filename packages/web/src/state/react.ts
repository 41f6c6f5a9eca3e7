import { createContext, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import type { AppStore } from './store';

export const StoreContext = createContext<AppStore | null>(null);

/** The app store; the calling component re-renders on every change. */
export function useStore(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useStore outside <StoreContext.Provider>');
  useSyncExternalStore(store.subscribe, store.getVersion);
  return store;
}

/** The app store without re-rendering on its changes: for parts that listen to the events they need only. */
export function useStoreQuietly(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useStoreQuietly outside <StoreContext.Provider>');
  return store;
}

/** The current time (ms), refreshed every `intervalMs`: for "5 min ago" and "Today". */
export function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** True under the phone breakpoint, where the list and the conversation are separate screens. */
export function useNarrow(): boolean {
  const query = '(max-width: 700px)';
  return useSyncExternalStore(
    (listener) => {
      const media = window.matchMedia(query);
      media.addEventListener('change', listener);
      return () => media.removeEventListener('change', listener);
    },
    () => window.matchMedia(query).matches,
  );
}
