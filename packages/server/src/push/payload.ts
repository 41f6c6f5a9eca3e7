import { createHash } from 'node:crypto';
import { isOwnMediaUrl, type PushPayload } from '@papo/protocol';

/** A preview is one line of at most this many characters (a lock screen shows about two lines). */
const PREVIEW_MAX = 120;
/** Titles and names are cut to this in a push (their own limits are lower; this bounds the payload). */
const NAME_MAX = 100;
/** What PUSH_PREVIEW=none shows (the contract's words). */
export const HIDDEN_PREVIEW = 'New message';

/** Media messages in one line, as the chat list shows them (the web client's words, in English). */
const MEDIA_LINES: Record<string, string> = {
  image: '📷 Photo',
  video: '🎥 Video',
  audio: '🎵 Audio',
  voice: '🎤 Voice message',
  file: '📄 File',
};

/** The message as stored: the fields a notification needs. */
export type StoredMessage = {
  id: number;
  sender_id: string;
  msg_type?: string;
  body?: string;
  created_at: number;
  media?: { name?: string; duration_ms?: number };
};

/** Text cut to `max` characters (code points, so no emoji is halved), one line, an ellipsis when cut. */
function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const points = Array.from(flat);
  return points.length <= max ? flat : `${points.slice(0, max - 1).join('')}…`;
}

/** The notification's line for a message: its text, or its media in a word (and its caption). */
export function previewOf(message: StoredMessage): string {
  const type = message.msg_type ?? 'text';
  const body = message.body ? oneLine(message.body, PREVIEW_MAX) : '';
  if (type === 'text' || !(type in MEDIA_LINES)) return body;
  if (type === 'file' && !body && message.media?.name) return oneLine(`📄 ${message.media.name}`, PREVIEW_MAX);
  const line = MEDIA_LINES[type] as string;
  return body ? oneLine(`${line.split(' ')[0]} ${body}`, PREVIEW_MAX) : line;
}

/** Only the server's own pictures go in a push (isOwnMediaUrl says why). */
export function ownPicture(url: string | null | undefined): string | undefined {
  return isOwnMediaUrl(url) ? url : undefined;
}

/**
 * The push of a new message to one user (contract section 13): a DM's title is the peer's name (the sender's),
 * a group's or public chat's its title; the picture is the chat's (a DM's: the sender's).
 */
export function messagePayload(input: {
  chatId: string;
  kind: string;
  chatTitle: string;
  chatPicture: string;
  senderName: string;
  senderPicture: string;
  message: StoredMessage;
  mentioned: boolean;
  preview: 'full' | 'none';
}): PushPayload {
  const { chatId, kind, message } = input;
  const dm = kind === 'dm';
  const senderName = oneLine(input.senderName || 'Someone', NAME_MAX);
  const icon = ownPicture(dm ? input.senderPicture : input.chatPicture);
  return {
    type: 'message',
    chat_id: chatId,
    message_id: message.id,
    title: dm ? senderName : oneLine(input.chatTitle || senderName, NAME_MAX),
    sender_name: senderName,
    preview: input.preview === 'none' ? HIDDEN_PREVIEW : previewOf(message) || HIDDEN_PREVIEW,
    kind: kind === 'group' || kind === 'public' ? kind : 'dm',
    ...(icon ? { icon } : {}),
    ...(input.mentioned ? { mention: true } : {}),
    sent_at: message.created_at,
  };
}

/**
 * The push `Topic` of a chat (RFC 8030: at most 32 characters of base64url): a newer push of the chat replaces
 * an older one a push service still holds for an offline device, so a device coming back gets one per chat.
 */
export function chatTopic(chatId: string): string {
  return createHash('sha256').update(chatId).digest('base64url').slice(0, 32);
}
