import { useState } from 'react';
import { t } from '../i18n';
import { errorText } from '../lib/errors';
import { useStore } from '../state/react';
import type { ChatItem } from '../state/store';
import { Avatar } from './avatar';
import { AvatarPicker } from './avatar-cropper';
import { FormError } from './form-error';

/** Change or remove a picture: pick and crop, upload, set; a failure is said below. */
function PictureControls({ hasPicture, save }: { hasPicture: boolean; save: (picture: Blob | null) => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (picture: Blob | null) => {
    setBusy(true);
    setError(null);
    try {
      await save(picture);
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="picture-controls">
      <AvatarPicker label={t('avatar.change')} busy={busy} onPicked={(picture) => void run(picture)} />
      {hasPicture ? (
        <button type="button" className="link danger" disabled={busy} onClick={() => void run(null)}>
          {t('avatar.remove')}
        </button>
      ) : null}
      <FormError error={error} />
    </div>
  );
}

/** One's own picture in the account panel, with the controls to change it. */
export function ProfilePicture() {
  const store = useStore();
  const me = store.profile;
  if (!me) return null;
  return (
    <div className="profile-picture">
      <Avatar id={me.user_id} name={me.username} url={me.avatar_url} size={120} />
      <PictureControls hasPicture={Boolean(me.avatar_url)} save={(picture) => store.setAvatar(picture)} />
    </div>
  );
}

/** A group's picture controls, for its admins (in the group info drawer, under the picture). */
export function GroupPicture({ chat }: { chat: ChatItem }) {
  const store = useStore();
  return (
    <PictureControls
      hasPicture={Boolean(store.chatAvatarUrl(chat))}
      save={(picture) => store.groups.setPicture(chat.chat_id, picture)}
    />
  );
}
