/**
 * The language chosen in Settings, kept in localStorage; none chosen: the browser's (i18n.ts). A change reloads
 * the page: every string is read once per render from a dictionary fixed at startup, and the offline cache
 * brings the screen back at once.
 */
export type LanguageChoice = 'en' | 'pt-BR';

const STORAGE_KEY = 'papo:language';

export function chosenLanguage(): LanguageChoice | undefined {
  try {
    const value = typeof localStorage === 'undefined' ? null : localStorage.getItem(STORAGE_KEY);
    return value === 'en' || value === 'pt-BR' ? value : undefined;
  } catch {
    return undefined;
  }
}

export function chooseLanguage(language: LanguageChoice): void {
  try {
    localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // Storage refused: the reload below keeps the browser's language.
  }
  window.location.reload();
}
