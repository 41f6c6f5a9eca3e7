import type { ActionName } from '@papo/protocol';
import { auth } from './auth.js';
import { createDm, createPublicChat, joinChat, leaveChat, muteChat } from './chats.js';
import type { Handler } from './context.js';
import { addMembers, createGroup, createInvite, removeMember, revokeInvite, setRole, updateChat } from './groups.js';
import { deleteMessage, editMessage, react } from './message-changes.js';
import { readReceipt, received, sendMessage, sync, typing } from './messages.js';
import { setActive } from './presence.js';

/** One handler per action of the contract. */
export const HANDLERS: { [A in ActionName]: Handler<A> } = {
  auth,
  create_dm: createDm,
  create_public_chat: createPublicChat,
  join_chat: joinChat,
  leave_chat: leaveChat,
  create_group: createGroup,
  add_members: addMembers,
  remove_member: removeMember,
  set_role: setRole,
  update_chat: updateChat,
  create_invite: createInvite,
  revoke_invite: revokeInvite,
  send_message: sendMessage,
  read_receipt: readReceipt,
  received,
  edit_message: editMessage,
  delete_message: deleteMessage,
  react,
  typing,
  mute_chat: muteChat,
  set_active: setActive,
  sync,
};
