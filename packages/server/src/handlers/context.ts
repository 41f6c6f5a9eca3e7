import type { ActionDataOf, ActionName } from '@papo/protocol';
import type { Config } from '../config.js';
import type { Hub } from '../fanout/hub.js';
import type { Logger } from '../log.js';
import type { ChatStore } from '../store/chats.js';
import type { GroupStore } from '../store/groups.js';
import type { MediaStore } from '../store/media.js';
import type { MessageStore } from '../store/messages.js';
import type { PresenceStore } from '../store/presence.js';
import type { PushStore } from '../store/push.js';
import type { UserStore } from '../store/users.js';
import type { Connection } from '../transport/connection.js';

export type HandlerContext = {
  config: Config;
  log: Logger;
  hub: Hub;
  users: UserStore;
  chats: ChatStore;
  groups: GroupStore;
  messages: MessageStore;
  media: MediaStore;
  presence: PresenceStore;
  push: PushStore;
};

/** A reply already serialised (history pages are forwarded as stored); `request_id` is spliced in. */
export class RawReply {
  constructor(
    readonly type: string,
    private readonly head: string,
  ) {}
  /** `head` is a JSON object's text without its closing brace. */
  text(requestId: string | undefined): string {
    return requestId === undefined ? `${this.head}}` : `${this.head},"request_id":${JSON.stringify(requestId)}}`;
  }
}

export type Reply = { type: string; [field: string]: unknown } | RawReply | undefined;

/**
 * A handler takes the connection (its user is authenticated, except for `auth`) and valid, typed data; it
 * talks to the store and returns the caller's reply or throws an AppError. Delivery to others is the
 * fan-out's job: the store's scripts publish.
 */
export type Handler<A extends ActionName> = (
  ctx: HandlerContext,
  conn: Connection,
  data: ActionDataOf<A>,
) => Promise<Reply>;

/** The authenticated user of a connection (handlers other than `auth` only run once there is one). */
export function userOf(conn: Connection): string {
  if (conn.userId === undefined) throw new Error('handler called before auth');
  return conn.userId;
}
