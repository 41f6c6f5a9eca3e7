import { BlockBody, UserId } from '@papo/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import type { BlockStore } from '../store/blocks.js';
import type { UserStore } from '../store/users.js';
import { authenticated } from './http-login.js';
import { checker, validate } from './validate.js';

const UserParam = Type.Object({ user_id: UserId });

/** Blocking (contract section 9): GET, POST /api/blocks and DELETE /api/blocks/:user_id. */
export function registerBlockRoutes(app: FastifyInstance, deps: { users: UserStore; blocks: BlockStore }): void {
  const { users, blocks } = deps;

  app.get('/api/blocks', async (req) => {
    const { userId } = await authenticated(req, users);
    return { users: await blocks.list(userId) };
  });

  app.post('/api/blocks', async (req, reply) => {
    const { userId } = await authenticated(req, users);
    const body = validate(BlockBody, req.body ?? {}, 'body');
    await blocks.block(userId, body.user_id);
    return reply.code(204).send();
  });

  app.delete('/api/blocks/:user_id', async (req, reply) => {
    const { userId } = await authenticated(req, users);
    // A well-formed id of nobody, or of someone not blocked, is no error (204); a malformed one is.
    if (!checker(UserParam).Check(req.params)) throw new AppError('invalid_payload', 'user_id: not a user id.');
    await blocks.unblock(userId, req.params.user_id);
    return reply.code(204).send();
  });
}
