import { cleanName } from '../display-text.js';
import { AppError } from '../errors.js';
import { sessionIdOf } from '../store/sessions.js';
import type { Handler } from './context.js';

/**
 * `auth`: the token names the user (using it does not extend it: the client refreshes its session for a new
 * one); the connection is recorded (the user is online), follows the user's channel and every chat of theirs,
 * knows whose presence and typing to leave out (blocks), and only then hears `auth_ok`.
 */
export const auth: Handler<'auth'> = async (ctx, conn, data) => {
  const userId = await ctx.users.tokenUser(data.token);
  if (!userId) throw new AppError('invalid_token', 'Unknown or expired token; refresh the session or log in again.');
  const profile = { username: cleanName(data.username, 'data.username'), avatar_url: data.avatar_url };

  if (conn.state === 'authenticated') {
    if (userId !== conn.userId)
      throw new AppError('invalid_payload', 'This connection is authenticated as another user.');
    return { type: 'auth_ok', token: data.token, user_id: userId, chats: [...conn.chats] };
  }

  // Closed while the token was read: nothing is recorded, and nobody is there to answer. From here on the
  // presence store settles a close with the recording (whichever comes second releases it).
  if (!conn.open) return undefined;
  conn.userId = userId;
  conn.sessionId = sessionIdOf(data.token);
  const recorded = await ctx.presence.connect(userId, conn.id, profile);
  if (!recorded) return undefined; // closed meanwhile: released by the recording
  const { chats, lastIds } = recorded;
  try {
    await ctx.hub.attachUser(conn, userId);
    // The users hidden from this one (blocks) are read once the user's channel is followed, so a block made
    // meanwhile is read again; until then the connection is told nobody's presence or typing.
    // The chats' positions at auth: a message lost on the bus from now on shows as a gap and is fetched.
    await Promise.all([
      ctx.hub.refreshHidden(userId),
      ...chats.map((chatId, i) => ctx.hub.attachChat(conn, chatId, lastIds[i], false)),
    ]);
  } catch (err) {
    // Not authenticated after all: the record goes now, not when the socket closes.
    ctx.hub.detachAll(conn);
    ctx.presence.release(userId, conn.id);
    throw err;
  }
  if (conn.state === 'authenticating') conn.markAuthenticated();
  return { type: 'auth_ok', token: data.token, user_id: userId, chats };
};
