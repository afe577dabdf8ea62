// Result tables in the paper's shape: one row per model (and prompt or setting where they vary),
// one column per dataset, cells "mean ± std" to 2 decimals, Dice ×100 — and the same cells set
// beside the paper's own numbers (assets/paper-results) where model and dataset names match.
import { ConfigError } from '../errors.js';
import { formatMeanStd } from '../eval/aggregate.js';
import type { RunKind, SummaryRow } from '../experiments/results/index.js';
import { canonicalDataset, canonicalModel, type PaperResult } from './paper-results.js';
import type { Cell, Table } from './table-format.js';


/** A run's summary, one line per dataset × split × prompt × resolution: n, Dice and IoU "mean ± std" (×100). */
export function runTable(rows: readonly SummaryRow[]): Table {
  return {
    columns: ['run', 'model', 'dataset', 'split', 'prompt', 'resolution', 'n', 'dice', 'iou'],
    rows: rows.map((r) => [r.runId, r.model, r.dataset, r.split, r.prompt, r.resolution, r.dice.count, formatMeanStd(r.dice), formatMeanStd(r.iou)]),
  };
}

/** One number of a results table: Dice ×100 of a model on a dataset (with a prompt or setting). */
export interface ResultCell {
  /** The run kind behind the number, when it comes from our runs. */
  kind?: RunKind | null;
  model: string;
  dataset: string;
  prompt?: string | null;
  setting?: string | null;
  mean: number;
  std?: number | null;
  /** Items behind the number. */
  n?: number;
}

/** The paper's column order; other datasets follow in the order they first appear. */
export const PAPER_DATASET_ORDER = ['Kvasir-SEG', 'ClinicDB', 'BKAI', 'ISIC', 'DFU', 'CAMUS', 'BUSI', 'CheXlocalize', 'CVC-300', 'CVC-ColonDB', 'ETIS'];

/**
 * Cells from run summaries (`store.runSummary(id)` of several runs): Dice at the original size
 * by default. A run without a model name is an error naming it.
 */
export function cellsFromSummaries(rows: readonly SummaryRow[], o: { resolution?: 'original' | 'model'; metric?: 'dice' | 'iou' } = {}): ResultCell[] {
  const resolution = o.resolution ?? 'original';
  const metric = o.metric ?? 'dice';
  return rows
    .filter((r) => r.resolution === resolution)
    .map((r) => {
      if (!r.model) throw new ConfigError(`run ${r.runId} has no model name; give startRun a model (or config.model) to place it in a table`);
      const s = r[metric];
      return { kind: r.kind, model: r.model, dataset: r.dataset, prompt: r.prompt, setting: null, mean: s.mean, std: s.std, n: s.count };
    });
}

/** The paper's own numbers as cells. */
export const cellsFromPaper = (results: readonly PaperResult[]): ResultCell[] =>
  results.map((p) => ({ model: p.model, dataset: p.dataset ?? '—', prompt: p.prompt, setting: p.setting, mean: p.mean, std: p.std }));

export interface PaperLayoutOptions {
  /** Row keys; default: model, plus setting and prompt when they vary. */
  rows?: readonly ('model' | 'setting' | 'prompt')[];
  /** Decimals (default 2). */
  digits?: number;
  /** Spell models and datasets as the paper does (default true). */
  canonicalNames?: boolean;
  /** Two results for one cell: 'error' (default), or keep the 'last' given (e.g. the newest run). */
  duplicates?: 'error' | 'last';
  /** Called with each cell a later result replaced (with `duplicates: 'last'`). */
  onReplaced?: (replaced: ResultCell) => void;
}

const formatCell = (c: ResultCell, digits: number): string =>
  c.std === null || c.std === undefined ? (Number.isNaN(c.mean) ? 'n/a' : c.mean.toFixed(digits)) : formatMeanStd({ mean: c.mean, std: c.std }, digits);

function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** Rows model (× setting × prompt), columns dataset, cells "mean ± std". Two cells for one place are an error. */
export function paperLayout(cells: readonly ResultCell[], o: PaperLayoutOptions = {}): Table {
  const digits = o.digits ?? 2;
  const named = o.canonicalNames === false ? cells : cells.map((c) => ({ ...c, model: canonicalModel(c.model), dataset: canonicalDataset(c.dataset) }));
  const rowKeys = o.rows ?? (['model', 'setting', 'prompt'] as const).filter((k) => k === 'model' || distinct(named.map((c) => c[k] ?? null)).length > 1);
  const datasets = distinct(named.map((c) => c.dataset)).sort((a, b) => rank(a) - rank(b));
  const rows = new Map<string, { keys: Cell[]; values: Map<string, string>; cells: Map<string, ResultCell> }>();
  for (const c of named) {
    const keys = rowKeys.map((k) => c[k] ?? null);
    const id = JSON.stringify(keys);
    let row = rows.get(id);
    if (!row) rows.set(id, (row = { keys, values: new Map(), cells: new Map() }));
    const previous = row.cells.get(c.dataset);
    if (previous && o.duplicates === 'last') o.onReplaced?.(previous);
    else if (previous) {
      throw new ConfigError(`paperLayout: two results for ${rowKeys.map((k, i) => `${k} ${keys[i] ?? '—'}`).join(', ')} on ${c.dataset}; add 'prompt' or 'setting' to the row keys, or pick one run per cell`);
    }
    row.values.set(c.dataset, formatCell(c, digits));
    row.cells.set(c.dataset, c);
  }
  return { columns: [...rowKeys, ...datasets], rows: [...rows.values()].map((r) => [...r.keys, ...datasets.map((d) => r.values.get(d) ?? '')]) };

  function rank(dataset: string): number {
    const i = PAPER_DATASET_ORDER.indexOf(dataset);
    return i >= 0 ? i : PAPER_DATASET_ORDER.length + named.findIndex((c) => c.dataset === dataset);
  }
}

/**
 * Our cells beside the paper's where model and dataset (and prompt, when the paper's table is per
 * prompt) match: ours, paper, difference (ours − paper, Dice points). Unmatched cells are left out.
 * Every transcribed table with a public dataset (3, 4, 6, 7) holds finetuned models, so zero-shot
 * cells are left out; Table 4's out-of-distribution rows (trained on another dataset) only enter
 * when `tables` names table4, since a cell does not say what its model was trained on.
 */
export function compareWithPaper(cells: readonly ResultCell[], paper: readonly PaperResult[], o: { digits?: number; tables?: readonly string[] } = {}): Table {
  const digits = o.digits ?? 2;
  const chosen = o.tables ? paper.filter((p) => o.tables!.includes(p.table)) : paper.filter((p) => p.table !== 'table4' || p.setting === `trained on ${p.dataset}`);
  const rows: Cell[][] = [];
  for (const c of cells) {
    if (c.kind === 'zeroshot') continue;
    const model = canonicalModel(c.model);
    const dataset = canonicalDataset(c.dataset);
    const prompt = c.prompt ?? null;
    for (const p of chosen) {
      if (p.model !== model || p.dataset !== dataset) continue;
      if (p.prompt !== null && (prompt === null || p.prompt.toLowerCase() !== prompt.toLowerCase())) continue;
      const paperCell: ResultCell = { model, dataset, mean: p.mean, std: p.std };
      rows.push([model, dataset, prompt, p.table, p.setting, formatCell(c, digits), formatCell(paperCell, digits), Number((c.mean - p.mean).toFixed(digits))]);
    }
  }
  return { columns: ['model', 'dataset', 'prompt', 'paper_table', 'paper_setting', 'ours', 'paper', 'difference'], rows };
}
