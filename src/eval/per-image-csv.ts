// The per-image metrics CSV of `old:scripts/eval_metrics.py` (docs/evaluation.md §5):
// columns `filename, iou, dice, ones_dice_diff, zeros_dice_diff`, ×100, `%.4f`, sorted by file
// name — plus, optionally, the pixel counts. Written atomically: a temp file next to the target,
// then a rename, so a reader never sees half a file and a crash leaves the old one.
import { writeFileAtomic } from '../atomic-write.js';
import type { ItemMetrics } from './metrics.js';

export interface PerImageRow {
  /** The image (or item) name; the reference uses the prediction's file name. */
  filename: string;
  metrics: Pick<ItemMetrics, 'dice' | 'iou' | 'onesDiceDiff' | 'zerosDiceDiff'> & Partial<ItemMetrics>;
}

export interface PerImageCsvOptions {
  /** Also write gt_pixels, pred_pixels, intersection, pixels (default false: the reference's columns). */
  counts?: boolean;
}

const REFERENCE_COLUMNS = ['filename', 'iou', 'dice', 'ones_dice_diff', 'zeros_dice_diff'];
const COUNT_COLUMNS = ['gt_pixels', 'pred_pixels', 'intersection', 'pixels'];

/** A CSV field, quoted when it holds a comma, quote or line break (RFC 4180). */
export function csvField(value: string | number | null | undefined): string {
  const s = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const pct = (v: number): string => (Number.isNaN(v) ? 'nan' : (v * 100).toFixed(4));

/** The CSV text: header, then one line per row sorted by filename (code-point order, as Python's sort). */
export function formatPerImageCsv(rows: readonly PerImageRow[], o: PerImageCsvOptions = {}): string {
  const header = o.counts ? [...REFERENCE_COLUMNS, ...COUNT_COLUMNS] : REFERENCE_COLUMNS;
  const sorted = [...rows].sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  const lines = sorted.map(({ filename, metrics: m }) => {
    const fields = [csvField(filename), pct(m.iou), pct(m.dice), pct(m.onesDiceDiff), pct(m.zerosDiceDiff)];
    if (o.counts) fields.push(...[m.gt, m.pred, m.intersection, m.pixels].map((v) => (v === undefined ? '' : String(v))));
    return fields.join(',');
  });
  return [header.join(','), ...lines].join('\n') + '\n';
}

export { writeFileAtomic } from '../atomic-write.js';

/** Writes the per-image CSV atomically. */
export function writePerImageCsv(path: string, rows: readonly PerImageRow[], o: PerImageCsvOptions = {}): void {
  writeFileAtomic(path, formatPerImageCsv(rows, o));
}
