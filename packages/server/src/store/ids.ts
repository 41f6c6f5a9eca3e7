import { randomBytes } from 'node:crypto';

/** Random ids: 72 bits, base64url ([A-Za-z0-9_-], the protocol's id alphabet). Unguessable, so a DM's id
 * tells a stranger nothing. */
export const newUserId = () => `u_${randomBytes(9).toString('base64url')}`;
export const newChatId = () => `c_${randomBytes(9).toString('base64url')}`;
