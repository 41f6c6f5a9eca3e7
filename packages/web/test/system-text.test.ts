import { describe, expect, it } from 'vitest';
import { translator } from '../src/i18n';
import { nameList, type SystemFacts, systemText } from '../src/lib/system-text';

const names: Record<string, string> = {
  ana: 'Ana',
  bruno: 'Bruno',
  carla: 'Carla',
  dani: 'Dani',
  edu: 'Edu',
  fe: 'Fê',
};
const name = (id: string) => names[id] ?? '?';
const en = translator('en');
const pt = translator('pt-BR');
const say = (facts: SystemFacts, me = 'zeca', t = en) => systemText(facts, me, name, t);

describe('system messages in words', () => {
  it('says who did what to whom, "You"/"you" when it is the reader', () => {
    expect(say({ event: 'created', by: 'ana', title: 'Família' })).toBe('Ana created the group “Família”');
    expect(say({ event: 'created', by: 'ana', title: 'Família' }, 'ana')).toBe('You created the group “Família”');
    expect(say({ event: 'member_added', by: 'ana', user_id: 'bruno' })).toBe('Ana added Bruno');
    expect(say({ event: 'member_added', by: 'ana', user_id: 'bruno' }, 'bruno')).toBe('Ana added you');
    expect(say({ event: 'member_removed', by: 'ana', user_id: 'bruno' })).toBe('Ana removed Bruno');
    expect(say({ event: 'member_removed', by: 'ana', user_id: 'bruno' }, 'ana')).toBe('You removed Bruno');
    expect(say({ event: 'member_left', by: 'carla', user_id: 'carla' })).toBe('Carla left');
    expect(say({ event: 'member_left', by: 'carla', user_id: 'carla' }, 'carla')).toBe('You left');
    expect(say({ event: 'joined_by_invite', by: 'bruno', user_id: 'bruno' })).toBe('Bruno joined using an invite link');
    expect(say({ event: 'role_changed', by: 'ana', user_id: 'bruno', role: 'admin' })).toBe('Ana made Bruno an admin');
    expect(say({ event: 'role_changed', by: 'ana', user_id: 'bruno', role: 'admin' }, 'bruno')).toBe(
      'Ana made you an admin',
    );
    expect(say({ event: 'role_changed', by: 'ana', user_id: 'bruno', role: 'member' })).toBe(
      'Bruno is no longer an admin',
    );
    expect(say({ event: 'role_changed', by: 'ana', user_id: 'bruno', role: 'member' }, 'bruno')).toBe(
      'You are no longer an admin',
    );
    expect(say({ event: 'role_changed', by: 'ana', user_id: 'bruno', role: 'owner' })).toBe(
      'Bruno is now the group owner',
    );
    expect(say({ event: 'role_changed', by: 'ana', user_id: 'bruno', role: 'owner' }, 'bruno')).toBe(
      'You are now the group owner',
    );
    // Handing the group over: the new owner, then the old owner an admin.
    expect(say({ event: 'role_changed', by: 'ana', user_id: 'ana', role: 'admin' })).toBe('Ana is now an admin');
    expect(say({ event: 'role_changed', by: 'ana', user_id: 'ana', role: 'admin' }, 'ana')).toBe(
      'You are now an admin',
    );
    expect(say({ event: 'info_changed', by: 'ana', title: 'Time' })).toBe('Ana changed the group name to “Time”');
    expect(say({ event: 'info_changed', by: 'ana', description: true })).toBe('Ana changed the group description');
    expect(say({ event: 'info_changed', by: 'ana', picture: true })).toBe('Ana changed the group picture');
  });

  it('names a bulk add: two, three, then "and N others"', () => {
    expect(say({ event: 'member_added', by: 'ana', user_ids: ['bruno', 'carla'] })).toBe('Ana added Bruno and Carla');
    expect(say({ event: 'member_added', by: 'ana', user_ids: ['bruno', 'carla', 'dani'] })).toBe(
      'Ana added Bruno, Carla and Dani',
    );
    expect(say({ event: 'member_added', by: 'ana', user_ids: ['bruno', 'carla', 'dani', 'edu', 'fe'] })).toBe(
      'Ana added Bruno, Carla and 3 others',
    );
    expect(say({ event: 'member_added', by: 'ana', user_ids: ['bruno', 'zeca'] })).toBe('Ana added Bruno and you');
    expect(nameList([], en)).toBe('');
  });

  it('speaks Brazilian Portuguese', () => {
    expect(say({ event: 'created', by: 'ana', title: 'Família' }, 'ana', pt)).toBe('Você criou o grupo “Família”');
    expect(say({ event: 'member_added', by: 'ana', user_ids: ['bruno', 'carla', 'dani', 'edu'] }, 'x', pt)).toBe(
      'Ana adicionou Bruno, Carla e mais 2',
    );
    expect(say({ event: 'member_left', by: 'carla', user_id: 'carla' }, 'x', pt)).toBe('Carla saiu');
    expect(say({ event: 'role_changed', by: 'ana', user_id: 'bruno', role: 'admin' }, 'x', pt)).toBe(
      'Ana tornou Bruno admin',
    );
  });
});
