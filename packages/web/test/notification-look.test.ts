import { describe, expect, it } from 'vitest';
import { APP_ICON, chatUrl, notificationLook } from '../src/pwa/notification-look';

// The look a pushed message and a message the hidden tab saw share (the worker's push and the page's own).
describe('notificationLook', () => {
  const base = {
    type: 'message',
    chat_id: 'c_1',
    message_id: 7,
    sender_name: 'Bruno',
    sent_at: 1_700_000_000,
  } as const;

  it('a DM: the peer as the title, the line alone, the app icon; tagged with the chat to replace its last', () => {
    expect(notificationLook({ ...base, title: 'Bruno', preview: 'Oi!', kind: 'dm' })).toEqual({
      title: 'Bruno',
      options: {
        body: 'Oi!',
        icon: APP_ICON,
        badge: '/badge-96.png',
        tag: 'c_1',
        renotify: true,
        timestamp: 1_700_000_000_000,
        data: { chat_id: 'c_1', message_id: 7 },
      },
    });
  });

  it('a group or public chat: its title, "sender: line", its picture', () => {
    for (const kind of ['group', 'public'] as const) {
      const look = notificationLook({ ...base, title: 'Clube', preview: '📷 Photo', kind, icon: '/api/media/m_x' });
      expect(look.title).toBe('Clube');
      expect(look.options.body).toBe('Bruno: 📷 Photo');
      expect(look.options.icon).toBe('/api/media/m_x');
    }
  });

  it('opens the chat by the hash route the app reads', () => {
    expect(chatUrl('c_1')).toBe('/#/chat/c_1');
  });
});
