import { useState } from 'react';
import { avatarColor, initials } from '../lib/people';
import type { AppStore, ChatItem } from '../state/store';
import { GroupIcon } from './icons';

type AvatarProps = {
  /** Stable id (user or chat): picks the colour. */
  id: string;
  name: string;
  url?: string | undefined;
  size?: number;
  group?: boolean;
  /** A green dot (DM peer online). */
  online?: boolean;
};

/**
 * A round picture, or initials on a colour when there is none or it fails to load. Decorative: the name is beside
 * it. The picture is an https link, or an uploaded one (`/api/media/…`, which needs no login).
 */
export function Avatar({ id, name, url, size = 49, group = false, online = false }: AvatarProps) {
  const [failed, setFailed] = useState<string | undefined>(undefined);
  const showImage = url && failed !== url && /^(https?:\/\/|\/api\/media\/)/.test(url);
  return (
    <span className="avatar" style={{ width: size, height: size }} aria-hidden="true">
      {showImage ? (
        <img src={url} alt="" width={size} height={size} referrerPolicy="no-referrer" onError={() => setFailed(url)} />
      ) : (
        <span
          className={group ? 'avatar-initials avatar-group' : 'avatar-initials'}
          style={{ background: group ? undefined : avatarColor(id), fontSize: Math.round(size * 0.38) }}
        >
          {group ? <GroupIcon size={Math.round(size * 0.6)} /> : initials(name)}
        </span>
      )}
      {online ? <span className="avatar-online" /> : null}
    </span>
  );
}

/** A chat's picture: a DM's peer's, a group's or public chat's own (the group icon while it has none). */
export function ChatAvatar({
  chat,
  title,
  store,
  size,
  online,
}: {
  chat: ChatItem;
  title: string;
  store: AppStore;
  size?: number;
  online?: boolean;
}) {
  return (
    <Avatar
      id={chat.peer_user_id ?? chat.chat_id}
      name={title}
      url={store.chatAvatarUrl(chat)}
      size={size}
      group={chat.kind !== 'dm'}
      online={online}
    />
  );
}
