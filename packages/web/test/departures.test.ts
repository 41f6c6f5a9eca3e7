import { describe, expect, it } from 'vitest';
import type { ChatItem } from '../src/state/chats';
import { Departures } from '../src/state/departures';

const item = (chat_id: string, kind: ChatItem['kind'] = 'group'): ChatItem => ({
  chat_id,
  kind,
  title: chat_id,
  muted_until: 0,
  serverUnread: 0,
  serverLastId: 0,
  localUnread: new Set(),
  readUpTo: 0,
  touchedAt: 0,
  serverOrder: 0,
});

describe('groups the user is no longer in', () => {
  it('stay in the list, read-only, when the server stops listing them; back when in again', () => {
    const departures = new Departures();
    const old = new Map([
      ['g1', item('g1')],
      ['g2', item('g2')],
    ]);
    departures.mark('g1', old.get('g1'), 'removed', 'ana');
    expect(old.get('g1')).toMatchObject({ gone: 'removed', goneBy: 'ana' });

    // The refreshed list lacks g1: it is kept from the old one, still marked.
    const next = new Map([['g2', item('g2')]]);
    departures.keep(next, old, null, true);
    expect(next.get('g1')).toMatchObject({ gone: 'removed', goneBy: 'ana' });
    expect(next.get('g2')?.gone).toBeUndefined();

    expect(departures.back('g1', next.get('g1'))).toBe(true);
    expect(next.get('g1')?.gone).toBeUndefined();
    expect(departures.back('g1', next.get('g1'))).toBe(false);
    const after = new Map<string, ChatItem>();
    departures.keep(after, next, null, true);
    expect(after.has('g1')).toBe(false);
  });

  it('counts an open group missing from the complete list as removed (while away), not a public chat', () => {
    const departures = new Departures();
    const old = new Map([
      ['g1', item('g1')],
      ['p1', item('p1', 'public')],
    ]);
    const partial = new Map<string, ChatItem>();
    departures.keep(partial, old, 'g1', false);
    expect(partial.has('g1')).toBe(false);
    const next = new Map<string, ChatItem>();
    departures.keep(next, old, 'g1', true);
    expect(next.get('g1')).toMatchObject({ gone: 'removed', goneBy: '' });
    const again = new Map<string, ChatItem>();
    departures.keep(again, old, 'p1', true);
    expect(again.has('p1')).toBe(false);
  });
});
