import type { ChatMember, Role } from '@papo/protocol';
import { LIMITS } from '@papo/protocol';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { locale, t } from '../i18n';
import { useEscapeCloses } from '../lib/escape-closes';
import { lastSeenText } from '../lib/time';
import { useNow, useStore } from '../state/react';
import type { ChatItem } from '../state/store';
import { Avatar } from './avatar';
import { ConfirmDialog } from './confirm-dialog';
import { EditableText } from './editable-text';
import { AddMembers } from './group-add-members';
import { GroupInvites } from './group-invites';
import { BackIcon, CloseIcon, ExitIcon, LinkIcon, PersonAddIcon } from './icons';
import { Menu, type MenuItem } from './menu';
import { GroupPicture } from './picture-controls';

type View = 'main' | 'add' | 'invites';
type Confirm = { kind: 'leave' } | { kind: 'remove' | 'owner' | 'block'; member: ChatMember; name: string } | null;

/** "Group owner", "Group admin", "Member". */
export function roleLabel(role: Role): string {
  return role === 'owner' ? t('info.owner') : role === 'admin' ? t('info.admin') : t('info.member');
}

/**
 * The group info drawer beside the conversation (over it on a phone): title and description (admins and the
 * owner edit them in place), the members with their roles, presence and per-member controls, adding members,
 * invite links, leaving. Escape (or the close button) closes it and focus goes back to the header's title.
 */
export function GroupInfo({ id, chat, onClose }: { id: string; chat: ChatItem; onClose: () => void }) {
  const [view, setView] = useState<View>('main');
  useEscapeCloses(onClose);

  const back = () => setView('main');
  return (
    <aside id={id} className="info-drawer" aria-label={t('info.title')}>
      {view === 'main' ? (
        <>
          <InfoHeader title={t('info.title')} onClick={onClose} label={t('info.close')} icon={<CloseIcon />} />
          <InfoMain chat={chat} onView={setView} />
        </>
      ) : view === 'add' ? (
        <>
          <InfoHeader title={t('add.title')} onClick={back} label={t('online.back')} icon={<BackIcon />} />
          <AddMembers chat={chat} onDone={back} />
        </>
      ) : (
        <>
          <InfoHeader title={t('invite.title')} onClick={back} label={t('online.back')} icon={<BackIcon />} />
          <GroupInvites chat={chat} />
        </>
      )}
    </aside>
  );
}

/** The drawer's header: a close (or back) button, which takes focus when the view opens, and a title. */
export function InfoHeader({
  title,
  label,
  icon,
  onClick,
}: {
  title: string;
  label: string;
  icon: ReactNode;
  onClick: () => void;
}) {
  const buttonRef = useRef<HTMLButtonElement>(null);
  useEffect(() => buttonRef.current?.focus(), []);
  return (
    <header className="pane-header info-header">
      <button ref={buttonRef} type="button" className="icon-button" aria-label={label} title={label} onClick={onClick}>
        {icon}
      </button>
      <h2>{title}</h2>
    </header>
  );
}

function InfoMain({ chat, onView }: { chat: ChatItem; onView: (view: View) => void }) {
  const store = useStore();
  const now = useNow(30_000);
  const [confirm, setConfirm] = useState<Confirm>(null);
  const info = store.groups.info(chat.chat_id);
  const me = store.client.userId ?? '';
  const role = store.groups.roleIn(chat);
  const admin = role === 'owner' || role === 'admin';
  const title = store.chatTitle(chat);
  const members = info?.members ?? [];
  const count = info?.member_count ?? members.length;
  // The user first, then as the server orders them: owner, admins, then by name.
  // (Out of the group: the members as last known, without the user.)
  const ordered = [
    ...(chat.gone ? [] : members.filter((m) => m.user_id === me)),
    ...members.filter((m) => m.user_id !== me),
  ];

  const nameOf = (member: ChatMember) => store.people.get(member.user_id)?.username || member.username;
  const items = (member: ChatMember): MenuItem[] => {
    const name = nameOf(member);
    const list: MenuItem[] = [
      {
        label: t('info.message', { name }),
        onSelect: () =>
          void store.openDm(member.user_id).then(
            (chatId) => store.setOpenChat(chatId),
            () => {},
          ),
      },
    ];
    if (role === 'owner') {
      list.push(
        member.role === 'admin'
          ? {
              label: t('info.dismissAdmin'),
              onSelect: () => void store.groups.setRole(chat.chat_id, member.user_id, 'member').catch(() => {}),
            }
          : {
              label: t('info.makeAdmin'),
              onSelect: () => void store.groups.setRole(chat.chat_id, member.user_id, 'admin').catch(() => {}),
            },
        { label: t('info.makeOwner'), onSelect: () => setConfirm({ kind: 'owner', member, name }) },
      );
    }
    if (role === 'owner' || (role === 'admin' && member.role === 'member')) {
      list.push({
        label: t('info.remove', { name }),
        danger: true,
        onSelect: () => setConfirm({ kind: 'remove', member, name }),
      });
    }
    list.push(
      store.blocks.has(member.user_id)
        ? {
            label: t('info.unblock', { name }),
            onSelect: () => void store.blocks.unblock(member.user_id).catch(() => {}),
          }
        : {
            label: t('info.block', { name }),
            danger: true,
            onSelect: () => setConfirm({ kind: 'block', member, name }),
          },
    );
    return list;
  };

  const presence = (member: ChatMember): string => {
    if (store.blocks.has(member.user_id)) return t('info.blocked');
    const online = store.isOnline(member.user_id) ?? member.online;
    if (online) return t('conv.online');
    const lastSeen = store.people.get(member.user_id)?.last_seen ?? member.last_seen;
    return lastSeen ? lastSeenText(lastSeen, now, locale, t) : '';
  };

  return (
    <div className="info-body">
      <section className="info-card info-top">
        <Avatar id={chat.chat_id} name={title} url={store.chatAvatarUrl(chat)} size={120} group />
        {admin ? <GroupPicture chat={chat} /> : null}
        <EditableText
          value={title}
          label={t('group.name')}
          editLabel={t('info.editTitle')}
          editable={admin}
          maxLength={LIMITS.chatTitleMaxLength}
          required
          className="info-title"
          onSave={(value) => store.groups.update(chat.chat_id, { title: value })}
        />
        <p className="person-sub">{count === 1 ? t('info.summaryOne') : t('info.summary', { count })}</p>
      </section>

      <section className="info-card" aria-labelledby={`${chat.chat_id}-desc`}>
        <h3 className="info-section" id={`${chat.chat_id}-desc`}>
          {t('info.description')}
        </h3>
        {info ? (
          <EditableText
            value={info.description}
            label={t('info.description')}
            editLabel={info.description ? t('info.editDescription') : t('info.addDescription')}
            placeholder={admin ? t('info.addDescription') : t('info.noDescription')}
            editable={admin}
            multiline
            maxLength={LIMITS.chatDescriptionMaxLength}
            className="info-description"
            onSave={(value) => store.groups.update(chat.chat_id, { description: value })}
          />
        ) : (
          <p className="person-sub">{t('info.loading')}</p>
        )}
        {role ? <p className="info-role">{t('info.yourRole', { role: roleLabel(role) })}</p> : null}
      </section>

      <section className="info-card" aria-labelledby={`${chat.chat_id}-members`}>
        <h3 className="info-section" id={`${chat.chat_id}-members`}>
          {t('info.members')} <span className="info-count">({count})</span>
        </h3>
        {chat.gone ? <p className="notice">{t('info.notMember')}</p> : null}
        {admin ? (
          <div className="info-actions">
            <button type="button" className="info-action" onClick={() => onView('add')}>
              <span className="info-action-icon">
                <PersonAddIcon size={22} />
              </span>
              {t('info.addMembers')}
            </button>
            <button type="button" className="info-action" onClick={() => onView('invites')}>
              <span className="info-action-icon">
                <LinkIcon size={22} />
              </span>
              {t('info.invite')}
            </button>
          </div>
        ) : null}
        <ul className="people-list member-list">
          {ordered.map((member) => {
            const own = member.user_id === me;
            const name = own ? t('info.you') : nameOf(member);
            const person = store.people.get(member.user_id);
            const online =
              !own && !store.blocks.has(member.user_id) && (store.isOnline(member.user_id) ?? member.online);
            return (
              <li key={member.user_id} className="member-row" data-user-id={member.user_id}>
                <Avatar
                  id={member.user_id}
                  name={own ? (store.profile?.username ?? name) : name}
                  url={(own ? store.profile?.avatar_url : person?.avatar_url) || (member.avatar_url ?? '')}
                  size={40}
                  online={online}
                />
                <span className="person-main">
                  <span className="member-line">
                    <span className="chat-title">{name}</span>
                    {member.role !== 'member' ? (
                      <span className={`role-badge role-${member.role}`}>{roleLabel(member.role)}</span>
                    ) : null}
                  </span>
                  <span className="person-sub">{own ? '' : presence(member)}</span>
                </span>
                {own || chat.gone ? (
                  // The badges line up with the others', which stand before a menu button.
                  <span className="menu-spacer" />
                ) : (
                  <Menu label={t('info.memberOptions', { name })} items={items(member)} />
                )}
              </li>
            );
          })}
        </ul>
      </section>

      {chat.gone ? null : (
        <section className="info-card">
          <button type="button" className="info-action danger" onClick={() => setConfirm({ kind: 'leave' })}>
            <span className="info-action-icon">
              <ExitIcon size={22} />
            </span>
            {t('info.leave')}
          </button>
        </section>
      )}

      {confirm ? <InfoConfirm chat={chat} confirm={confirm} onDone={() => setConfirm(null)} /> : null}
    </div>
  );
}

/** The dialogs of the drawer: leave the group, remove a member, hand over ownership, block someone. */
function InfoConfirm({ chat, confirm, onDone }: { chat: ChatItem; confirm: NonNullable<Confirm>; onDone: () => void }) {
  const store = useStore();
  const title = store.chatTitle(chat);
  const run = (work: () => Promise<void>) => async () => {
    await work();
    onDone();
  };
  if (confirm.kind === 'leave') {
    return (
      <ConfirmDialog
        title={t('info.leaveTitle', { title })}
        text={t('info.leaveText')}
        confirmLabel={t('info.leaveConfirm')}
        onCancel={onDone}
        onConfirm={run(() => store.leave(chat.chat_id))}
      />
    );
  }
  const { member, name } = confirm;
  if (confirm.kind === 'remove') {
    return (
      <ConfirmDialog
        title={t('info.removeTitle', { name, title })}
        text={t('info.removeText', { name })}
        confirmLabel={t('info.removeConfirm')}
        onCancel={onDone}
        onConfirm={run(() => store.groups.remove(chat.chat_id, member.user_id))}
      />
    );
  }
  if (confirm.kind === 'owner') {
    return (
      <ConfirmDialog
        title={t('info.ownerTitle', { name })}
        text={t('info.ownerText')}
        confirmLabel={t('info.ownerConfirm')}
        onCancel={onDone}
        onConfirm={run(() => store.groups.setRole(chat.chat_id, member.user_id, 'owner'))}
      />
    );
  }
  return (
    <ConfirmDialog
      title={t('info.blockTitle', { name })}
      text={t('info.blockText')}
      confirmLabel={t('info.blockConfirm')}
      onCancel={onDone}
      onConfirm={run(() => store.blocks.block(member.user_id))}
    />
  );
}
