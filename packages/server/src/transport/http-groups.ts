import { ChatId, InviteCode } from '@papo/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import type { ChatStore } from '../store/chats.js';
import type { GroupStore } from '../store/groups.js';
import type { UserStore } from '../store/users.js';
import { authenticated } from './http-login.js';
import { checker } from './validate.js';

const ChatParam = Type.Object({ chat_id: ChatId });
const CodeParam = Type.Object({ code: InviteCode });

/**
 * Chat info and invites (contract section 9): GET /api/chats/:chat_id, …/invites, GET /api/invites/:code; message
 * info (section 10): GET /api/chats/:chat_id/messages/:message_id/receipts.
 */
export function registerGroupRoutes(
  app: FastifyInstance,
  deps: { users: UserStore; groups: GroupStore; chats: ChatStore },
): void {
  const { users, groups, chats } = deps;

  /** The route's chat id; a malformed one names no chat (404, as a chat one may not see). */
  function chatOf(params: unknown): string {
    if (!checker(ChatParam).Check(params)) throw new AppError('not_found', 'No such chat.');
    return params.chat_id;
  }

  app.get('/api/chats/:chat_id', async (req) => {
    const { userId } = await authenticated(req, users);
    return groups.info(userId, chatOf(req.params));
  });

  app.get('/api/chats/:chat_id/invites', async (req) => {
    const { userId } = await authenticated(req, users);
    return { invites: await groups.invites(userId, chatOf(req.params)) };
  });

  app.get('/api/chats/:chat_id/messages/:message_id/receipts', async (req) => {
    const { userId } = await authenticated(req, users);
    const { message_id: raw } = req.params as { message_id?: string };
    const messageId = Number(raw);
    if (!/^[1-9][0-9]{0,15}$/.test(raw ?? '')) throw new AppError('not_found', 'No such message.');
    return chats.messageReceipts(userId, chatOf(req.params), messageId);
  });

  app.get('/api/invites/:code', async (req) => {
    await authenticated(req, users);
    if (!checker(CodeParam).Check(req.params)) throw new AppError('not_found', 'This invite link is no longer valid.');
    return groups.invitePreview(req.params.code);
  });
}
