import type { PapoClient } from '@papo/client';
import type { ChatInfo, Role } from '@papo/protocol';
import type { ChatItem } from './chats';
import { GroupInfos } from './group-infos';
import type { People } from './people';

/** What the group actions need of the app store. */
export interface GroupHost {
  readonly client: PapoClient;
  readonly people: People;
  chat(chatId: string): ChatItem | undefined;
  changed(): void;
  /** A group the user is now in (again): in the list, no longer read-only; `readAll`: its history read. */
  adopt(chatId: string, readAll: boolean): Promise<void>;
}

/**
 * Private groups as the screens use them: their info (members, roles, presence), the user's role, and the
 * actions (create, join by link, add, remove, roles, title and description), each keeping the store current.
 */
export class Groups {
  readonly infos: GroupInfos;
  /** Pictures the server told of since the list loaded (`chat_updated`): newer than the list's. */
  private readonly avatars = new Map<string, string>();

  constructor(private readonly host: GroupHost) {
    this.infos = new GroupInfos(host.client, host.people, () => host.changed());
  }

  /** The group's info if held; fetched in the background if not. */
  info(chatId: string): ChatInfo | undefined {
    return this.infos.get(chatId);
  }

  /** The user's role in a group: from its info when held (the freshest), else from the chat list. */
  roleIn(chat: ChatItem): Role | undefined {
    if (chat.gone) return undefined;
    return this.infos.get(chat.chat_id)?.role ?? chat.role;
  }

  /** Create a private group with these members; resolves with its chat id. */
  async create(title: string, memberIds: string[], description: string): Promise<string> {
    const { chat_id } = await this.host.client.createGroup({
      title,
      member_ids: memberIds,
      ...(description ? { description } : {}),
    });
    await this.host.adopt(chat_id, false);
    return chat_id;
  }

  /** Join the group an invite code leads to; resolves with its chat id. */
  async join(code: string): Promise<string> {
    const { chat_id } = await this.host.client.joinByInvite(code);
    // As with a public chat: the history from before one joined is not news to the newcomer.
    await this.host.adopt(chat_id, true);
    return chat_id;
  }

  async add(chatId: string, userIds: string[]): Promise<string[]> {
    const { user_ids } = await this.host.client.addMembers(chatId, userIds);
    this.infos.stale(chatId);
    return user_ids;
  }

  async remove(chatId: string, userId: string): Promise<void> {
    await this.host.client.removeMember(chatId, userId);
    this.infos.stale(chatId);
  }

  async setRole(chatId: string, userId: string, role: Role): Promise<void> {
    await this.host.client.setRole(chatId, userId, role);
    this.infos.stale(chatId);
  }

  async update(chatId: string, change: { title?: string; description?: string }): Promise<void> {
    const updated = await this.host.client.updateChat(chatId, change);
    this.updated(chatId, updated.title, updated.description, updated.avatar_url);
  }

  /** A new group picture (a square JPEG the cropper made): uploaded, then set (admins); null removes it. */
  async setPicture(chatId: string, picture: Blob | null): Promise<void> {
    const mediaId = picture ? (await this.host.client.uploadMedia(picture)).media_id : '';
    const updated = await this.host.client.updateChat(chatId, { avatar_media_id: mediaId });
    this.updated(chatId, updated.title, updated.description, updated.avatar_url);
  }

  /** The group's picture, as last known (an event, the chat list, its info), without fetching; undefined when none. */
  avatarUrl(chatId: string): string | undefined {
    return (
      (this.avatars.get(chatId) ?? this.host.chat(chatId)?.avatar_url ?? this.infos.peek(chatId)?.avatar_url) ||
      undefined
    );
  }

  /** The title, description and picture changed (here, or an event said so): shown everywhere at once. */
  updated(chatId: string, title: string, description: string, avatarUrl?: string): void {
    const chat = this.host.chat(chatId);
    if (chat) chat.title = title;
    if (avatarUrl !== undefined) this.avatars.set(chatId, avatarUrl);
    this.infos.patch(chatId, {
      title,
      description,
      ...(avatarUrl === undefined ? {} : { avatar_url: avatarUrl || null }),
    });
    this.host.changed();
  }
}
