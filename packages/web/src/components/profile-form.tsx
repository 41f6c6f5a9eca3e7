import { LIMITS } from '@papo/protocol';
import { type FormEvent, useId, useState } from 'react';
import { t } from '../i18n';
import { useStore } from '../state/react';
import { useSubmit } from './code-entry';
import { FormError } from './form-error';
import { NameField } from './name-field';
import { ProfilePicture } from './picture-controls';

/** The name and "about" line others see (PATCH /api/me); saved together, only what changed. */
export function ProfileForm() {
  const store = useStore();
  const me = store.profile;
  const [name, setName] = useState(me?.username ?? '');
  const [about, setAbout] = useState(me?.about ?? '');
  const [saved, setSaved] = useState(false);
  const { busy, error, run } = useSubmit();
  const id = useId();
  if (!me) return null;
  const change = {
    ...(name.trim() !== me.username ? { username: name } : {}),
    ...(about.trim() !== me.about ? { about } : {}),
  };
  const changed = Object.keys(change).length > 0;

  const save = (event: FormEvent) => {
    event.preventDefault();
    if (!changed) return;
    setSaved(false);
    void run(async () => {
      store.setProfile(await store.client.updateProfile(change));
      setSaved(true);
    }, false);
  };

  return (
    <form className="form profile-form" onSubmit={save} aria-labelledby={`${id}-title`}>
      <h3 className="drawer-section" id={`${id}-title`}>
        {t('account.profile')}
      </h3>
      <ProfilePicture />
      <NameField label={t('login.name')} value={name} onChange={setName} required />
      <label className="field">
        <span>{t('account.about')}</span>
        <input
          value={about}
          onChange={(e) => setAbout(e.target.value)}
          maxLength={LIMITS.aboutMaxLength}
          aria-describedby={`${id}-about-hint`}
        />
      </label>
      <p className="hint" id={`${id}-about-hint`}>
        {t('account.aboutHint')}
      </p>
      <FormError error={error} />
      {saved && !changed ? (
        <p className="hint" role="status">
          {t('account.saved')}
        </p>
      ) : null}
      <button type="submit" className="primary" disabled={busy || !changed || !name.trim()}>
        {busy ? t('login.busy') : t('account.save')}
      </button>
    </form>
  );
}
