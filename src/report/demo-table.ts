// The demo's Dice table, one row per dataset, model and prompt.
import { formatMeanStd } from '../eval/aggregate.js';
import type { DemoRow } from '../experiments/demo.js';

/** The Dice table, as markdown. */
export function demoTable(rows: readonly DemoRow[]): string {
  const lines = ['| dataset | model | prompt | test Dice ×100 (mean ± std) | n |', '|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.dataset} | ${r.model} | ${r.prompt} | ${formatMeanStd(r.dice)} | ${r.dice.count} |`);
  return lines.join('\n');
}
