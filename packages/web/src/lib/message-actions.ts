import type { ChatKind, Message, Role } from '@papo/protocol';
import { TIMINGS } from '@papo/protocol';

/** What a message's menu may offer, in the order it lists them. */
export type MessageAction = 'reply' | 'react' | 'copy' | 'forward' | 'edit' | 'delete' | 'info';

export type ActionContext = {
  me: string;
  kind: ChatKind;
  /** The user's role in a group (null or undefined elsewhere). */
  role?: Role | null | undefined;
  nowSeconds: number;
  /** Read-only: a group the user was removed from or left, or a DM with someone blocked. */
  gone?: boolean;
};

const isAdmin = (role: Role | null | undefined) => role === 'owner' || role === 'admin';

/** Whether the user may still edit an own text message (the server's window, EDIT_WINDOW_S). */
export function canEdit(message: Message, ctx: ActionContext): boolean {
  return (
    message.sender_id === ctx.me &&
    // A text, or a media message's caption (one without a caption has no text to change).
    (message.msg_type === 'text' || (message.media !== undefined && Boolean(message.body))) &&
    !message.deleted &&
    !message.forwarded &&
    ctx.nowSeconds - message.created_at < TIMINGS.editWindowSeconds
  );
}

/** Own messages within DELETE_WINDOW_S, or any message for a group's admins and owner. */
export function canDelete(message: Message, ctx: ActionContext): boolean {
  if (message.deleted) return false;
  if (ctx.kind === 'group' && isAdmin(ctx.role)) return true;
  return message.sender_id === ctx.me && ctx.nowSeconds - message.created_at < TIMINGS.deleteWindowSeconds;
}

/**
 * Message info (who received and read it) is the sender's, or a group admin's; public chats track no readers.
 */
export function canSeeInfo(message: Message, ctx: ActionContext): boolean {
  if (ctx.kind === 'public') return false;
  return message.sender_id === ctx.me || (ctx.kind === 'group' && isAdmin(ctx.role));
}

/**
 * The actions a stored message's menu offers (WhatsApp's, minus "delete for me"): none for a group change or
 * a deleted message; only copying and info in a chat the user is no longer in.
 */
export function messageActions(message: Message, ctx: ActionContext): MessageAction[] {
  if (message.msg_type === 'system' || message.deleted) return [];
  const hasText = Boolean(message.body);
  const info = canSeeInfo(message, ctx) ? (['info'] as const) : [];
  if (ctx.gone) return [...(hasText ? (['copy'] as const) : []), ...info];
  const actions: MessageAction[] = ['reply', 'react'];
  if (hasText) actions.push('copy');
  // A photo, file or voice note goes on as it is (the server copies its media), caption or not.
  if (hasText || message.media) actions.push('forward');
  if (canEdit(message, ctx)) actions.push('edit');
  if (canDelete(message, ctx)) actions.push('delete');
  actions.push(...info);
  return actions;
}
