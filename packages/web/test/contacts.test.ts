import { describe, expect, it } from 'vitest';
import { lookupTarget, mergeById, orderContacts } from '../src/lib/contacts';

const person = (user_id: string, username: string, online: boolean) => ({ user_id, username, online });

describe('the "New chat" list', () => {
  it('puts people online first, then orders by name as the language sorts it', () => {
    const people = [
      person('u1', 'Zeca', true),
      person('u2', 'ana', false),
      person('u3', 'Érica', true),
      person('u4', 'Bruno', false),
      person('u5', 'bia', true),
      person('u6', 'User 10', false),
      person('u7', 'User 9', false),
    ];
    expect(orderContacts(people, 'pt-BR').map((p) => p.username)).toEqual([
      'bia',
      'Érica',
      'Zeca',
      'ana',
      'Bruno',
      'User 9',
      'User 10',
    ]);
  });

  it('keeps people of the same name apart by id, and does not change the list it is given', () => {
    const people = [person('u2', 'Ana', false), person('u1', 'Ana', false)];
    expect(orderContacts(people).map((p) => p.user_id)).toEqual(['u1', 'u2']);
    expect(people.map((p) => p.user_id)).toEqual(['u2', 'u1']);
  });

  it('appends a page without repeating anyone held', () => {
    const held = [person('u1', 'Ana', true), person('u2', 'Bia', false)];
    const page = [person('u2', 'Bia', true), person('u3', 'Caio', false)];
    expect(mergeById(held, page).map((p) => p.user_id)).toEqual(['u1', 'u2', 'u3']);
  });
});

describe('lookupTarget', () => {
  it('reads a phone (spaces, dashes and brackets dropped) or an e-mail, and nothing else', () => {
    expect(lookupTarget('+55 11 91234-5678')).toEqual({ phone: '+5511912345678' });
    expect(lookupTarget(' ana@example.com ')).toEqual({ email: 'ana@example.com' });
    for (const text of ['', 'Ana', '11912345678', '+0123456789', 'ana@example', '@example.com', '+55 11']) {
      expect(lookupTarget(text), text).toBeUndefined();
    }
  });
});
