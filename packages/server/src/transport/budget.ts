import type { ActionName } from '@papo/protocol';

/**
 * What each action costs from a connection's budget (a token bucket: `WS_RATE_BURST` units, refilled at
 * `WS_RATE_PER_S`). Cheap, frequent actions cost 1; actions that change memberships or fan out to many cost
 * more; `sync` reads a page. The per-user limits in Redis (messages, new chats, membership changes, reads)
 * still apply behind this one: the budget bounds what one socket can make the server do at all, the Redis
 * limits what one account can do over all its sockets.
 */
export const ACTION_COSTS: Record<ActionName, number> = {
  auth: 1,
  send_message: 1,
  read_receipt: 1,
  received: 1,
  typing: 1,
  react: 1,
  edit_message: 2,
  delete_message: 2,
  mute_chat: 1,
  set_active: 1,
  sync: 1,
  create_dm: 5,
  create_public_chat: 5,
  join_chat: 5,
  leave_chat: 5,
  create_group: 10,
  add_members: 10,
  remove_member: 5,
  set_role: 5,
  update_chat: 5,
  create_invite: 5,
  revoke_invite: 5,
};

/** A connection's bucket (fields of the connection itself: no object of its own per connection). */
export type Bucket = { budgetUnits: number; budgetAt: number };

/**
 * Takes `cost` units from the bucket, refilled for the time since it was last used. Returns 0 when taken,
 * else the seconds until there would be enough (nothing is taken then).
 */
export function spend(bucket: Bucket, cost: number, now: number, perSecond: number, burst: number): number {
  const units = Math.min(burst, bucket.budgetUnits + ((now - bucket.budgetAt) * perSecond) / 1000);
  bucket.budgetAt = now;
  if (units >= cost) {
    bucket.budgetUnits = units - cost;
    return 0;
  }
  bucket.budgetUnits = units;
  return Math.max(1, Math.ceil((cost - units) / perSecond));
}
