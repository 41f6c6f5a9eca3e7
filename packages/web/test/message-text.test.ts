import { describe, expect, it } from 'vitest';
import { emojiOnlyCount, isBigEmoji } from '../src/lib/emoji';
import { FOLD_MAX_CHARS, FOLD_MAX_LINES, foldAt, PREVIEW_CHARS, PREVIEW_LINES } from '../src/lib/fold';
import { linkParts } from '../src/lib/message-text';

describe('links', () => {
  it('finds URLs, www. hosts and e-mail addresses, and keeps the text around them', () => {
    expect(linkParts('see https://a.com/x?y=1, www.b.org or me@c.io.')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://a.com/x?y=1', href: 'https://a.com/x?y=1' },
      { kind: 'text', text: ', ' },
      { kind: 'link', text: 'www.b.org', href: 'https://www.b.org' },
      { kind: 'text', text: ' or ' },
      { kind: 'link', text: 'me@c.io', href: 'mailto:me@c.io' },
      { kind: 'text', text: '.' },
    ]);
  });

  it('leaves a closing parenthesis out of the link', () => {
    expect(linkParts('(http://paren.com)')).toEqual([
      { kind: 'text', text: '(' },
      { kind: 'link', text: 'http://paren.com', href: 'http://paren.com' },
      { kind: 'text', text: ')' },
    ]);
  });

  it('links only http, https and mailto: other schemes stay text', () => {
    for (const text of ['javascript:alert(1)', 'ftp://x.com/file', 'data:text/html,<b>x</b>']) {
      expect(linkParts(text)).toEqual([{ kind: 'text', text }]);
    }
    // A host after a refused scheme may be linked on its own, over https: never with the scheme.
    const hrefs = linkParts('JavaScript://x.com/%0aalert(1)').flatMap((p) => (p.kind === 'link' ? [p.href] : []));
    for (const href of hrefs) expect(href).toMatch(/^https:\/\//);
  });

  it('keeps plain text whole', () => {
    expect(linkParts('hello there')).toEqual([{ kind: 'text', text: 'hello there' }]);
    expect(linkParts('')).toEqual([]);
  });
});

describe('read more', () => {
  it('shows short bodies whole', () => {
    expect(foldAt('hi')).toBeUndefined();
    expect(foldAt('x'.repeat(FOLD_MAX_CHARS))).toBeUndefined();
    expect(foldAt(Array(FOLD_MAX_LINES).fill('line').join('\n'))).toBeUndefined();
  });

  it('folds a long body at a space near the preview length', () => {
    const body = 'word '.repeat(200);
    const at = foldAt(body)!;
    expect(at).toBeGreaterThan(PREVIEW_CHARS - 40);
    expect(at).toBeLessThanOrEqual(PREVIEW_CHARS);
    expect(body[at]).toBe(' ');
  });

  it('folds a body of many short lines after the preview lines', () => {
    const body = Array(FOLD_MAX_LINES + 1)
      .fill('ok')
      .join('\n');
    expect(body.slice(0, foldAt(body)).split('\n')).toHaveLength(PREVIEW_LINES);
  });

  it('never splits an emoji', () => {
    const body = '👨‍👩‍👧'.repeat(200);
    const at = foldAt(body)!;
    expect(at % '👨‍👩‍👧'.length).toBe(0);
  });
});

describe('emoji only', () => {
  it('counts emoji as they are drawn: ZWJ sequences, flags, skin tones, keycaps', () => {
    expect(emojiOnlyCount('👍')).toBe(1);
    expect(emojiOnlyCount('👍🏽')).toBe(1);
    expect(emojiOnlyCount('👨‍👩‍👧‍👦')).toBe(1);
    expect(emojiOnlyCount('🇧🇷')).toBe(1);
    expect(emojiOnlyCount('❤️')).toBe(1);
    expect(emojiOnlyCount('1️⃣')).toBe(1);
    expect(emojiOnlyCount('😀 😀\n😀')).toBe(3);
  });

  it('shows one to three emoji large, and nothing else', () => {
    expect(isBigEmoji('👍')).toBe(true);
    expect(isBigEmoji(' 😀😀😀 ')).toBe(true);
    expect(isBigEmoji('🇧🇷🇵🇹')).toBe(true);
    expect(isBigEmoji('😀😀😀😀')).toBe(false);
    expect(isBigEmoji('hi 😀')).toBe(false);
    expect(isBigEmoji('😀!')).toBe(false);
    expect(isBigEmoji('')).toBe(false);
    expect(isBigEmoji('   ')).toBe(false);
    expect(isBigEmoji('1')).toBe(false);
    // Text-style symbols are letters here, as WhatsApp draws them.
    expect(isBigEmoji('©')).toBe(false);
    expect(isBigEmoji('™')).toBe(false);
  });
});
