import { tokenize } from 'linkifyjs';

/** A run of a message body: plain text, or a link with the address it opens. */
export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

/** Schemes a link may open: a `javascript:` or `data:` text stays text. */
const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** The href a linkify token opens, when it is one of the safe schemes; undefined otherwise. */
function safeHref(href: string): string | undefined {
  try {
    return SAFE_PROTOCOLS.has(new URL(href).protocol) ? href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A body split into text and links (URLs, www. hosts, bare hosts with a known top-level domain, e-mail
 * addresses). Bare hosts open over https. Adjacent text runs are merged, so a refused link reads as text.
 */
export function linkParts(body: string): TextPart[] {
  const parts: TextPart[] = [];
  const pushText = (text: string) => {
    const last = parts[parts.length - 1];
    if (last?.kind === 'text') last.text += text;
    else parts.push({ kind: 'text', text });
  };
  for (const token of tokenize(body)) {
    const text = token.toString();
    const href = token.isLink ? safeHref(token.toHref('https')) : undefined;
    if (href) parts.push({ kind: 'link', text, href });
    else pushText(text);
  }
  return parts;
}
