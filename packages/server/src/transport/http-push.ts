import { PushSubscriptionBody, PushUnsubscribeBody } from '@papo/protocol';
import type { FastifyInstance } from 'fastify';
import type { PushStore } from '../store/push.js';
import { sessionIdOf } from '../store/sessions.js';
import type { UserStore } from '../store/users.js';
import { authenticated } from './http-login.js';
import { validate } from './validate.js';

/** Web Push's routes (contract section 13): the server's VAPID key and each device's subscription. */
export function registerPushRoutes(app: FastifyInstance, deps: { users: UserStore; push: PushStore }): void {
  const { users, push } = deps;

  // Public: a page asks for it before its user has logged in, to subscribe once they have.
  app.get('/api/push/key', async () => ({ public_key: (await push.vapidKeys()).publicKey }));

  app.post('/api/push/subscriptions', async (req, reply) => {
    const { userId, token } = await authenticated(req, users);
    // Kept with its session: when the device logs out (or is logged out), it is pushed no more.
    await push.subscribe(userId, validate(PushSubscriptionBody, req.body, 'body'), sessionIdOf(token));
    return reply.code(204).send();
  });

  app.delete('/api/push/subscriptions', async (req, reply) => {
    const { userId } = await authenticated(req, users);
    await push.unsubscribe(userId, validate(PushUnsubscribeBody, req.body, 'body').endpoint);
    return reply.code(204).send();
  });
}
