import { t } from '../i18n';
import type { Mentionable } from '../lib/mentions';
import { useStore } from '../state/react';
import { Avatar } from './avatar';

/** The members an "@" in the message box may mention, as a listbox over it; the box keeps focus. */
export function MentionList({
  id,
  members,
  active,
  onPick,
}: {
  id: string;
  members: Mentionable[];
  active: number;
  onPick: (member: Mentionable) => void;
}) {
  const store = useStore();
  return (
    <div id={id} role="listbox" aria-label={t('mention.list')} className="mention-list">
      {members.map((member, index) => (
        // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard picks from the message box (arrows, Enter, Tab)
        <div
          key={member.user_id}
          id={`${id}-${index}`}
          role="option"
          aria-selected={index === active}
          // Focus stays in the message box (aria-activedescendant points here); -1 keeps it out of the Tab order.
          tabIndex={-1}
          className="mention-option"
          data-user-id={member.user_id}
          // Keeps the focus (and the caret) in the message box.
          onMouseDown={(event) => event.preventDefault()}
          onClick={() => onPick(member)}
        >
          <Avatar id={member.user_id} name={member.name} url={store.people.get(member.user_id)?.avatar_url} size={32} />
          <span className="chat-title">{member.name}</span>
        </div>
      ))}
    </div>
  );
}
