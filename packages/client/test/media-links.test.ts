import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LINK_MARGIN_MS, MediaLinks } from '../src/media-links.js';

const BASE = 'http://papo.test';

describe('signed media links', () => {
  let calls: string[][];
  let expiresAt: number;
  let links: MediaLinks;

  beforeEach(() => {
    vi.useFakeTimers();
    calls = [];
    expiresAt = Math.floor(Date.now() / 1000) + 3600;
    links = new MediaLinks(BASE, async (ids) => {
      calls.push(ids);
      const answer: Record<string, string> = {};
      for (const id of ids) if (id !== 'm_gone') answer[id] = `/api/media/${id}?u=u1&exp=${expiresAt}&sig=s${id}`;
      return { links: answer, expires_at: expiresAt };
    });
  });
  afterEach(() => vi.useRealTimers());

  it('asks once for every id wanted in the same tick, and answers each with its own link', async () => {
    const wanted = [links.mediaUrl('m_a'), links.mediaUrl('m_b'), links.thumbnailUrl('m_a'), links.mediaUrl('m_a')];
    await vi.runAllTimersAsync();
    const [a, b, thumbA, again] = await Promise.all(wanted);
    expect(calls).toEqual([['m_a', 'm_b']]);
    expect(a).toBe(`${BASE}/api/media/m_a?u=u1&exp=${expiresAt}&sig=sm_a`);
    expect(b).toBe(`${BASE}/api/media/m_b?u=u1&exp=${expiresAt}&sig=sm_b`);
    expect(thumbA).toBe(`${BASE}/api/media/m_a/thumbnail?u=u1&exp=${expiresAt}&sig=sm_a`);
    expect(again).toBe(a);
  });

  it('splits a batch over 100 ids into calls of at most 100', async () => {
    const ids = Array.from({ length: 230 }, (_, n) => `m_${n}`);
    const wanted = Promise.all(ids.map((id) => links.mediaUrl(id)));
    await vi.runAllTimersAsync();
    await wanted;
    expect(calls.map((batch) => batch.length)).toEqual([100, 100, 30]);
  });

  it('keeps a link until five minutes before it runs out, then asks again', async () => {
    const first = links.mediaUrl('m_a');
    await vi.runAllTimersAsync();
    await first;
    vi.advanceTimersByTime(3600_000 - LINK_MARGIN_MS - 1000);
    await links.mediaUrl('m_a');
    expect(calls).toHaveLength(1);
    vi.advanceTimersByTime(2000);
    const renewed = links.mediaUrl('m_a');
    await vi.runAllTimersAsync();
    await renewed;
    expect(calls).toHaveLength(2);
  });

  it('refuses an id the server left out, without failing the others of its batch', async () => {
    const gone = links.mediaUrl('m_gone');
    const kept = links.mediaUrl('m_a');
    const refused = expect(gone).rejects.toMatchObject({ code: 'not_found' });
    await vi.runAllTimersAsync();
    await refused;
    await expect(kept).resolves.toContain('/api/media/m_a?');
  });

  it('takes an upload’s own link until its exp', async () => {
    links.remember('m_up', `/api/media/m_up?u=u1&exp=${expiresAt}&sig=x`);
    await expect(links.mediaUrl('m_up')).resolves.toBe(`${BASE}/api/media/m_up?u=u1&exp=${expiresAt}&sig=x`);
    expect(calls).toEqual([]);
  });
});
