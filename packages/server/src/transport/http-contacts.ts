import { ContactsQuery, LIMITS } from '@papo/protocol';
import type { FastifyInstance } from 'fastify';
import type { ChatStore } from '../store/chats.js';
import type { UserStore } from '../store/users.js';
import { authenticated } from './http-login.js';
import { listQuery, validate } from './validate.js';

type ContactDeps = {
  users: UserStore;
  chats: ChatStore;
};

/** GET /api/contacts (contract section 9): the people who share a chat with the caller, a page at a time. */
export function registerContactRoutes(app: FastifyInstance, deps: ContactDeps): void {
  const { users, chats } = deps;
  app.get('/api/contacts', async (req) => {
    const { userId } = await authenticated(req, users);
    const query = validate(ContactsQuery, listQuery(req.query as Record<string, string>), 'query');
    const page = await chats.contacts(userId, query.cursor, query.limit ?? LIMITS.chatsPageDefault);
    return { users: page.items, next_cursor: page.nextCursor ?? null };
  });
}
