import { type Static, Type } from '@sinclair/typebox';
import { VISIBLE_TEXT_PATTERN } from './common.js';
import { LIMITS } from './limits.js';

/**
 * What groups (contract section 9) add to the vocabulary: roles, titles and descriptions, invite codes and
 * the system messages that record every change of a group in its message sequence.
 */

export const ChatKind = Type.Union([Type.Literal('dm'), Type.Literal('public'), Type.Literal('group')]);
export type ChatKind = Static<typeof ChatKind>;

/** Well-formed text that may be empty or all spaces (a description). */
export const WELL_FORMED_PATTERN = '^(?:[^\\uD800-\\uDFFF]|[\\uD800-\\uDBFF][\\uDC00-\\uDFFF])*$';

export const ChatTitle = Type.String({
  minLength: 1,
  maxLength: LIMITS.chatTitleMaxLength,
  pattern: VISIBLE_TEXT_PATTERN,
  description: 'Not only spaces, no lone surrogate.',
});
export const ChatDescription = Type.String({
  maxLength: LIMITS.chatDescriptionMaxLength,
  pattern: WELL_FORMED_PATTERN,
  description: 'What the group is for; may be empty (no lone surrogate).',
});

/** Invite codes are random (128 bits), base64url: letters, digits, `_` and `-`. */
export const InviteCode = Type.String({
  minLength: 16,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'An invite code (opaque; at least 96 random bits).',
});
