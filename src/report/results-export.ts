// Stored runs exported as text: 'json' the data dump that `importRuns` reads back, 'csv' one line
// per item joined with its run, 'md' a summary table (mean ± std ×100 per run, dataset, split, prompt).
import { exportJson } from '../experiments/results/export.js';
import type { ResultsStore } from '../experiments/results/store.js';
import type { ItemMetricRecord, RunFilter, RunRecord } from '../experiments/results/types.js';
import { checkFormat, renderTable, type Table, type TableFormat } from './table-format.js';
import { runTable } from './tables.js';

/** The runs matching `filter`, oldest first, in `format`. */
export function exportRuns(store: ResultsStore, format: TableFormat, filter: RunFilter = {}): string {
  checkFormat(format, 'exportRuns');
  if (format === 'json') return exportJson(store, filter);
  const runs = store.listRuns(filter).reverse();
  if (format === 'csv') return renderTable(itemsTable(runs, store.itemMetrics(runs.map((r) => r.id))), 'csv');
  return renderTable(runTable(runs.flatMap((r) => store.runSummary(r.id))), 'md');
}

export const ITEM_COLUMNS = [
  'run_id', 'kind', 'model', 'dataset', 'split', 'prompt', 'image_id', 'class', 'resolution', 'dice', 'iou',
  'ones_dice_diff', 'zeros_dice_diff', 'gt_pixels', 'pred_pixels', 'intersection', 'pixels', 'prompt_text',
];

/** One row per item, with its run's kind and model; metrics as fractions at full precision. */
export function itemsTable(runs: readonly RunRecord[], items: readonly ItemMetricRecord[]): Table {
  const byId = new Map(runs.map((r) => [r.id, r]));
  return {
    columns: ITEM_COLUMNS,
    rows: items.map((m) => {
      const run = byId.get(m.runId);
      return [
        m.runId, run?.kind ?? null, run?.model ?? null, m.dataset, m.split, m.prompt, m.imageId, m.className, m.resolution,
        m.dice, m.iou, m.onesDiceDiff, m.zerosDiceDiff, m.gtPixels, m.predPixels, m.intersection, m.pixels, m.promptText,
      ];
    }),
  };
}
