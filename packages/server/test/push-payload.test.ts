import { describe, expect, it } from 'vitest';
import { chatTopic, messagePayload, ownPicture, previewOf } from '../src/push/payload.js';

const message = (fields: Record<string, unknown>) => ({
  id: 7,
  sender_id: 'u_a',
  created_at: 1_700_000_000,
  ...fields,
});

describe('a push’s preview', () => {
  it('is one line of the text, cut at 120 characters without halving an emoji', () => {
    expect(previewOf(message({ body: '  Dinner\n\tat   8? ' }))).toBe('Dinner at 8?');
    const long = `${'a'.repeat(118)}😀😀😀`;
    const cut = previewOf(message({ body: long }));
    expect(Array.from(cut)).toHaveLength(120);
    expect(cut.endsWith('😀…')).toBe(true);
  });

  it('says what a media message is, with its caption when it has one', () => {
    expect(previewOf(message({ msg_type: 'image' }))).toBe('📷 Photo');
    expect(previewOf(message({ msg_type: 'image', body: 'the view' }))).toBe('📷 the view');
    expect(previewOf(message({ msg_type: 'video' }))).toBe('🎥 Video');
    expect(previewOf(message({ msg_type: 'voice' }))).toBe('🎤 Voice message');
    expect(previewOf(message({ msg_type: 'audio' }))).toBe('🎵 Audio');
    expect(previewOf(message({ msg_type: 'file', media: { name: 'invoice.pdf' } }))).toBe('📄 invoice.pdf');
    expect(previewOf(message({ msg_type: 'file' }))).toBe('📄 File');
  });
});

describe('a message push', () => {
  const base = {
    chatId: 'c_1',
    chatTitle: 'Family',
    chatPicture: '/api/media/m_group',
    senderName: 'Ana',
    senderPicture: '/api/media/m_ana',
    message: message({ body: 'hi' }),
    mentioned: false,
    preview: 'full' as const,
  };

  it('a DM is titled by the peer (the sender) and shows their picture; a group by its title and picture', () => {
    expect(messagePayload({ ...base, kind: 'dm' })).toEqual({
      type: 'message',
      chat_id: 'c_1',
      message_id: 7,
      title: 'Ana',
      sender_name: 'Ana',
      preview: 'hi',
      kind: 'dm',
      icon: '/api/media/m_ana',
      sent_at: 1_700_000_000,
    });
    expect(messagePayload({ ...base, kind: 'group', mentioned: true })).toMatchObject({
      title: 'Family',
      icon: '/api/media/m_group',
      mention: true,
    });
  });

  it('PUSH_PREVIEW=none hides the text; a picture elsewhere than this server is left out (it would track the reader)', () => {
    expect(messagePayload({ ...base, kind: 'dm', preview: 'none' })).toMatchObject({ preview: 'New message' });
    expect(
      messagePayload({ ...base, kind: 'dm', senderPicture: 'https://tracker.example/pixel.png' }),
    ).not.toHaveProperty('icon');
    expect(ownPicture('/api/media/m_abc-1')).toBe('/api/media/m_abc-1');
    expect(ownPicture('/api/media/m_abc/../../x')).toBeUndefined();
  });

  it('stays far below the 4 KB a push may carry, whatever the names and text', () => {
    const huge = messagePayload({
      ...base,
      kind: 'group',
      chatTitle: '𝕏'.repeat(500),
      senderName: '𝕐'.repeat(500),
      message: message({ body: '\u0000'.repeat(5000) }),
    });
    expect(Buffer.byteLength(JSON.stringify(huge))).toBeLessThan(2048);
  });

  it('a chat’s Topic is 32 characters of base64url, the same for the chat each time', () => {
    expect(chatTopic('c_1')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(chatTopic('c_1')).toBe(chatTopic('c_1'));
    expect(chatTopic('c_2')).not.toBe(chatTopic('c_1'));
  });
});
