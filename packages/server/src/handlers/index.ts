import type { ActionName } from '@papo/protocol';
import { auth } from './auth.js';
import { createDm, createPublicChat, joinChat, leaveChat, muteChat } from './chats.js';
import type { Handler } from './context.js';
import { readReceipt, sendMessage, sync, typing } from './messages.js';

/** One handler per action of the contract. */
export const HANDLERS: { [A in ActionName]: Handler<A> } = {
  auth,
  create_dm: createDm,
  create_public_chat: createPublicChat,
  join_chat: joinChat,
  leave_chat: leaveChat,
  send_message: sendMessage,
  read_receipt: readReceipt,
  typing,
  mute_chat: muteChat,
  sync,
};
