// Test helpers for the report: runs with known per-image Dice, and looking up a table cell.
import assert from 'node:assert/strict';
import type { ResultsStore, RunStart } from '../../src/experiments/results/index.js';
import type { ReportTable } from '../../src/report/report-table.js';
import type { Cell } from '../../src/report/table-format.js';

const quiet = { gitCommit: 'abc123', vlsmVersion: '0.1.0', machine: { hostname: 'box', cpus: 2, os: 'linux', libtorchVersion: '1.13.1' } };

/** A finished run with items: dataset → prompt → Dice fractions (image ids i0, i1, …). */
export function addRun(store: ResultsStore, start: Partial<RunStart>, items: Record<string, Record<string, number[]>>, status: 'done' | 'failed' = 'done'): number {
  const id = store.startRun({ kind: 'finetune', config: {}, suite: 'study', ...quiet, ...start });
  store.addItemMetrics(id, Object.entries(items).flatMap(([dataset, prompts]) =>
    Object.entries(prompts).flatMap(([prompt, dice]) => dice.map((d, i) => ({ dataset, split: 'test', prompt, imageId: `i${i}`, dice: d, iou: d / 2 })))));
  store.finishRun(id, status === 'failed' ? { error: 'stopped' } : {});
  return id;
}

/** The value under `column` in the row whose leading cells are `row`. */
export function cellOf(t: ReportTable, row: Cell[], column: string): Cell | undefined {
  const j = t.table.columns.indexOf(column);
  assert.ok(j >= 0, `no column ${column} in ${t.id}: ${t.table.columns.join(', ')}`);
  const r = t.table.rows.find((x) => row.every((v, i) => x[i] === v));
  assert.ok(r, `no row ${JSON.stringify(row)} in ${t.id}`);
  return r[j];
}

