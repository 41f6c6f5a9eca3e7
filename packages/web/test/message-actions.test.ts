import type { Message } from '@papo/protocol';
import { TIMINGS } from '@papo/protocol';
import { describe, expect, it } from 'vitest';
import { translator } from '../src/i18n';
import { mentionMatches, mentionParts, mentionQuery, mentionsIn } from '../src/lib/mentions';
import { type ActionContext, messageActions } from '../src/lib/message-actions';
import { myReaction, reactionChips, reactionRows } from '../src/lib/reactions';

const NOW = 1_800_000_000;
const message = (fields: Partial<Message> = {}): Message => ({
  id: 7,
  sender_id: 'ana',
  body: 'Oi',
  msg_type: 'text',
  created_at: NOW - 60,
  ...fields,
});
const ctx = (fields: Partial<ActionContext> = {}): ActionContext => ({
  me: 'ana',
  kind: 'group',
  role: 'member',
  nowSeconds: NOW,
  ...fields,
});

describe('a message’s menu', () => {
  it('offers everything on an own recent text, in WhatsApp’s order', () => {
    expect(messageActions(message(), ctx())).toEqual(['reply', 'react', 'copy', 'forward', 'edit', 'delete', 'info']);
  });

  it('stops offering Edit after the edit window, and Delete after the delete window', () => {
    const old = message({ created_at: NOW - TIMINGS.editWindowSeconds });
    expect(messageActions(old, ctx())).not.toContain('edit');
    expect(messageActions(old, ctx())).toContain('delete');
    const older = message({ created_at: NOW - TIMINGS.deleteWindowSeconds });
    expect(messageActions(older, ctx())).not.toContain('delete');
  });

  it('someone else’s message: no Edit, Delete or Info for a member; Delete and Info for a group admin', () => {
    const theirs = message({ sender_id: 'bruno' });
    expect(messageActions(theirs, ctx())).toEqual(['reply', 'react', 'copy', 'forward']);
    expect(messageActions(theirs, ctx({ role: 'admin' }))).toEqual([
      'reply',
      'react',
      'copy',
      'forward',
      'delete',
      'info',
    ]);
    // An old message too: an admin's delete has no window.
    const old = message({ sender_id: 'bruno', created_at: NOW - TIMINGS.deleteWindowSeconds * 2 });
    expect(messageActions(old, ctx({ role: 'owner' }))).toContain('delete');
  });

  it('no Info in public chats, no Edit of a forwarded copy, nothing on a deleted or system message', () => {
    expect(messageActions(message(), ctx({ kind: 'public', role: null }))).not.toContain('info');
    expect(messageActions(message({ forwarded: true }), ctx())).not.toContain('edit');
    expect(messageActions(message({ deleted: true, body: undefined }), ctx())).toEqual([]);
    expect(messageActions(message({ msg_type: 'system', body: '' }), ctx())).toEqual([]);
  });

  it('a group the user left: copy and (own) info only', () => {
    expect(messageActions(message(), ctx({ gone: true }))).toEqual(['copy', 'info']);
    expect(messageActions(message({ sender_id: 'bruno' }), ctx({ gone: true }))).toEqual(['copy']);
  });
});

describe('reaction chips', () => {
  const reactions = { '👍': ['bruno'], '❤️': ['ana', 'carla'], '😂': [] };
  it('most chosen first, the user’s own marked, empty ones left out', () => {
    expect(reactionChips(reactions, 'ana')).toEqual([
      { emoji: '❤️', count: 2, mine: true },
      { emoji: '👍', count: 1, mine: false },
    ]);
    expect(reactionChips(undefined, 'ana')).toEqual([]);
  });
  it('the user’s reaction, and who reacted with what (the user first)', () => {
    expect(myReaction(reactions, 'ana')).toBe('❤️');
    expect(myReaction(reactions, 'dani')).toBeUndefined();
    expect(reactionRows(reactions, 'ana')).toEqual([
      { user_id: 'ana', emoji: '❤️' },
      { user_id: 'carla', emoji: '❤️' },
      { user_id: 'bruno', emoji: '👍' },
    ]);
  });
});

describe('mentions', () => {
  const members = [
    { user_id: 'a', name: 'Ana' },
    { user_id: 'am', name: 'Ana Maria' },
    { user_id: 'b', name: 'Bruno Lima' },
  ];
  it('finds the "@Name" being typed at the caret, names with spaces too', () => {
    expect(mentionQuery('Oi @An', 6)).toEqual({ start: 3, query: 'An' });
    expect(mentionQuery('@Bruno L', 8)).toEqual({ start: 0, query: 'Bruno L' });
    expect(mentionQuery('mail a@b', 8)).toBeUndefined();
    expect(mentionQuery('@Ana\nmais', 9)).toBeUndefined();
    expect(mentionQuery('sem arroba', 10)).toBeUndefined();
  });
  it('matches the start of any word of a name, accents and case aside', () => {
    expect(mentionMatches('li', members).map((m) => m.user_id)).toEqual(['b']);
    expect(mentionMatches('ANA', members).map((m) => m.user_id)).toEqual(['a', 'am']);
    expect(mentionMatches('', members)).toHaveLength(3);
    expect(mentionMatches('bru', [{ user_id: 'x', name: 'Brúno' }])).toHaveLength(1);
  });
  it('highlights the longest name that matches, and nothing else', () => {
    expect(mentionParts('Oi @Ana Maria e @Bruno Lima!', members.slice(1))).toEqual([
      { kind: 'text', text: 'Oi ' },
      { kind: 'mention', text: '@Ana Maria', userId: 'am' },
      { kind: 'text', text: ' e ' },
      { kind: 'mention', text: '@Bruno Lima', userId: 'b' },
      { kind: 'text', text: '!' },
    ]);
    expect(mentionParts('Oi @Carla', members)).toEqual([{ kind: 'text', text: 'Oi @Carla' }]);
  });
  it('sends only the mentions still in the text, once each', () => {
    expect(mentionsIn('Oi @Ana e @Ana', [members[0]!, members[2]!, members[0]!])).toEqual(['a']);
  });
});

describe('the actions in Brazilian Portuguese', () => {
  it('says WhatsApp’s words', () => {
    const pt = translator('pt-BR');
    expect(pt('msg.deleteTitle')).toBe('Apagar para todos?');
    expect(pt('msg.deletedOther')).toBe('Esta mensagem foi apagada');
    expect(pt('compose.replyingTo', { name: 'Ana' })).toBe('Respondendo a Ana');
    expect(pt('msgInfo.when', { day: 'Hoje', time: '14:02' })).toBe('Hoje às 14:02');
  });
});
