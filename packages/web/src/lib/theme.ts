import { useSyncExternalStore } from 'react';

/** What Settings offers: follow the system (`prefers-color-scheme`, live), or always light or dark. */
export type ThemeChoice = 'system' | 'light' | 'dark';

const STORAGE_KEY = 'papo:theme';
const DARK_QUERY = '(prefers-color-scheme: dark)';
/** The browser's bar (`<meta name="theme-color">`): the green header in light, the dark panel in dark. */
const BAR_COLOUR = { light: '#00a884', dark: '#202c33' } as const;

const listeners = new Set<() => void>();

function stored(): ThemeChoice {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

let choice: ThemeChoice = typeof window === 'undefined' ? 'system' : stored();

/** The scheme shown now: the choice, or the system's for "system". */
export function resolvedTheme(): 'light' | 'dark' {
  if (choice !== 'system') return choice;
  return window.matchMedia(DARK_QUERY).matches ? 'dark' : 'light';
}

function apply(): void {
  const scheme = resolvedTheme();
  document.documentElement.dataset.theme = scheme;
  let meta = document.querySelector<HTMLMetaElement>('meta[name="theme-color"]');
  if (!meta) {
    meta = document.createElement('meta');
    meta.name = 'theme-color';
    document.head.append(meta);
  }
  meta.content = BAR_COLOUR[scheme];
  for (const listener of listeners) listener();
}

/** Once at startup, before the first render: the stored choice applied, and the system's changes followed. */
export function startTheme(): void {
  apply();
  window.matchMedia(DARK_QUERY).addEventListener('change', () => {
    if (choice === 'system') apply();
  });
}

/** Settings: kept in localStorage (this device's, like the language), applied at once. */
export function setTheme(next: ThemeChoice): void {
  choice = next;
  try {
    if (next === 'system') localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Storage refused (a private window may): the choice lasts this page.
  }
  apply();
}

/** The choice, re-rendering the caller when it changes. */
export function useThemeChoice(): ThemeChoice {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => choice,
  );
}
