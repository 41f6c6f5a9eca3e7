import type { Handler } from './context.js';
import { userOf } from './context.js';

/**
 * The connection is (or is no longer) in front of its user. Nothing is answered: the push rule reads it
 * (section 13). A connection whose record is not there yet (mid re-record) is told again by its client at
 * its next change; a new connection counts as active.
 */
export const setActive: Handler<'set_active'> = async (ctx, conn, data) => {
  await ctx.presence.setActive(userOf(conn), conn.id, data.active);
  return undefined;
};
