import { useId } from 'react';
import { locale, t } from '../i18n';
import { chooseLanguage, type LanguageChoice } from '../lib/language';
import { setTheme, type ThemeChoice, useThemeChoice } from '../lib/theme';
import { useStore } from '../state/react';
import { DrawerHeader } from './drawer-header';
import { NotificationSettings } from './notification-settings';
import { ProfileForm } from './profile-form';

/** Language names are written in their own language, as every app lists them. */
const LANGUAGES: Array<{ value: LanguageChoice; label: string }> = [
  { value: 'en', label: 'English' },
  { value: 'pt-BR', label: 'Português (Brasil)' },
];

/**
 * Settings: the profile (name, picture, about), notifications (Web Push), language and theme, and the way to
 * "Account and devices".
 */
export function SettingsPanel({ onBack, onAccount }: { onBack: () => void; onAccount: () => void }) {
  const store = useStore();
  const theme = useThemeChoice();
  const id = useId();
  const themes: Array<{ value: ThemeChoice; label: string }> = [
    { value: 'system', label: t('theme.system') },
    { value: 'light', label: t('theme.light') },
    { value: 'dark', label: t('theme.dark') },
  ];
  return (
    <section className="drawer settings-panel" aria-label={t('settings.title')}>
      <DrawerHeader title={t('settings.title')} onBack={onBack} />
      <div className="drawer-body">
        {store.profile ? <ProfileForm /> : null}
        <button type="button" className="settings-row" onClick={onAccount}>
          <span className="chat-title">{t('sidebar.account')}</span>
          <span className="person-sub">{t('settings.accountHint')}</span>
        </button>

        <section aria-labelledby={`${id}-notifications`}>
          <h3 className="drawer-section" id={`${id}-notifications`}>
            {t('settings.notifications')}
          </h3>
          <NotificationSettings />
        </section>

        <ChoiceGroup
          legend={t('settings.language')}
          hint={t('settings.languageHint')}
          name={`${id}-language`}
          options={LANGUAGES}
          value={locale}
          onChange={(language) => {
            if (language !== locale) chooseLanguage(language);
          }}
        />
        <ChoiceGroup
          legend={t('settings.theme')}
          hint={t('settings.themeHint')}
          name={`${id}-theme`}
          options={themes}
          value={theme}
          onChange={setTheme}
        />
      </div>
    </section>
  );
}

/** A radio group (arrow keys move and choose, as native radios do), its legend the section's heading. */
function ChoiceGroup<T extends string>({
  legend,
  hint,
  name,
  options,
  value,
  onChange,
}: {
  legend: string;
  hint: string;
  name: string;
  options: Array<{ value: T; label: string }>;
  value: T;
  onChange: (value: T) => void;
}) {
  return (
    <fieldset className="choice-group" aria-describedby={`${name}-hint`}>
      <legend className="drawer-section">{legend}</legend>
      <p className="hint" id={`${name}-hint`}>
        {hint}
      </p>
      {options.map((option) => (
        <label key={option.value} className="choice">
          <input
            type="radio"
            name={name}
            value={option.value}
            checked={option.value === value}
            onChange={() => onChange(option.value)}
          />
          <span>{option.label}</span>
        </label>
      ))}
    </fieldset>
  );
}
