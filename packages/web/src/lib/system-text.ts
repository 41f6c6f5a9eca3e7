import type { Message, SystemInfo } from '@papo/protocol';
import type { MessageKey, Translate } from '../i18n';

/** A system message's facts (`user_ids` when one change added several people at once). */
export type SystemFacts = SystemInfo;

/** Names shown before "and N others" in a bulk add ("Ana added Bruno, Carla and 3 others"). */
const NAMES_SHOWN = 2;

/**
 * What a system message (a change of a group: created, added, removed, left, joined by link, role, title or
 * description) says, in the reader's language, "you"/"You" where it is about the reader. `name` gives a user's
 * display name.
 */
export function systemText(facts: SystemFacts, me: string, name: (userId: string) => string, t: Translate): string {
  const actor = facts.by === me ? t('sys.you') : name(facts.by);
  const targets = facts.user_ids?.length ? facts.user_ids : facts.user_id ? [facts.user_id] : [];
  const target = targets[0] ?? facts.by;
  const object = (userId: string) => (userId === me ? t('sys.youObject') : name(userId));
  const subject = (userId: string) => (userId === me ? t('sys.you') : name(userId));
  /** Keys in pairs: the second for when the sentence's subject is the reader ("You are…"). */
  const about = (key: MessageKey, youKey: MessageKey) =>
    target === me ? t(youKey, { actor }) : t(key, { actor, target: subject(target) });

  switch (facts.event) {
    case 'created':
      return t('sys.created', { actor, title: facts.title ?? '' });
    case 'member_added':
      return t('sys.added', { actor, target: nameList(targets.map(object), t) });
    case 'member_removed':
      return t('sys.removed', { actor, target: object(target) });
    case 'member_left':
      return t('sys.left', { actor: subject(target) });
    case 'joined_by_invite':
      return t('sys.joinedByInvite', { actor: subject(target) });
    case 'role_changed':
      // The owner who hands the group over becomes an admin: "Ana is now an admin", not "Ana made Ana…".
      if (facts.role === 'admin' && target === facts.by) return about('sys.nowAdmin', 'sys.nowAdminYou');
      if (facts.role === 'admin') return t('sys.madeAdmin', { actor, target: object(target) });
      if (facts.role === 'owner') return about('sys.nowOwner', 'sys.nowOwnerYou');
      return about('sys.noLongerAdmin', 'sys.noLongerAdminYou');
    case 'info_changed':
      if (facts.title && facts.description) return t('sys.changedBoth', { actor, title: facts.title });
      if (facts.title) return t('sys.changedTitle', { actor, title: facts.title });
      if (facts.picture && !facts.description) return t('sys.changedPicture', { actor });
      return t('sys.changedDescription', { actor });
    default:
      return t('sys.changed', { actor });
  }
}

/** "Bruno", "Bruno and Carla", "Bruno, Carla and Dani", "Bruno, Carla and 3 others". */
export function nameList(names: string[], t: Translate): string {
  if (names.length <= 1) return names[0] ?? '';
  if (names.length === 2) return t('sys.listTwo', { first: names[0]!, last: names[1]! });
  if (names.length === NAMES_SHOWN + 1) {
    return t('sys.listTwo', { first: names.slice(0, -1).join(', '), last: names.at(-1)! });
  }
  return t('sys.listMore', { names: names.slice(0, NAMES_SHOWN).join(', '), count: names.length - NAMES_SHOWN });
}

/** Whether a message records a change of the group rather than something someone wrote. */
export function isSystem(message: Pick<Message, 'msg_type'>): boolean {
  return message.msg_type === 'system';
}
