/// <reference lib="dom" />
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/**
 * axe-core in the page, as axe runs by default (WCAG 2 A/AA and best practices). The script goes in through
 * the DevTools protocol (`page.evaluate`), which the server's strict Content-Security-Policy does not see:
 * the CSP stays as it is, and a test that counts CSP violations still finds none.
 */

const source: string = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

type AxeNode = { target: unknown[]; failureSummary?: string };
type AxeViolation = { id: string; impact: string | null; help: string; nodes: AxeNode[] };

/** axe's violations on the page as it is now, one readable line per element (empty: none). */
export async function axeViolations(page: Page): Promise<string[]> {
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) await page.evaluate(source);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document) => Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document)).violations;
  });
  return (violations as AxeViolation[]).flatMap((v) =>
    v.nodes.map(
      (node) =>
        `${v.id} (${v.impact}) at ${JSON.stringify(node.target)}: ${v.help}. ${(node.failureSummary ?? '').replace(/\s+/g, ' ')}`,
    ),
  );
}
