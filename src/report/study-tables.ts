// The paper's result tables rebuilt from a study's runs, each cell beside the paper's number:
// Table 3 (fine-tuning settings), Table 4 (out of distribution), Tables 6 and 7 (frozen-encoder
// CRIS and CLIPSeg, rows dataset × columns prompt as printed) and the zero-shot Dice per model,
// dataset and prompt type (the paper plots these in Figure 2 and prints no table of them).
import type { RunRecord, RunSetting } from '../experiments/results/index.js';
import { BEST_PROMPT_RULE, bestPrompt, newestPerPrompt } from './best-prompt.js';
import { comparisonPivot, type PivotEntry, type PivotOptions } from './comparison-pivot.js';
import type { PaperResult } from './paper-results.js';
import { sourceOf, type ReportTable } from './report-table.js';
import type { StudyCell } from './study-cells.js';

export const STUDY_TABLES = ['table3', 'table4', 'table6', 'table7', 'zeroshot'] as const;
export type StudyTableId = (typeof STUDY_TABLES)[number];

export const PAPER_MODEL_ORDER = ['CRIS', 'CLIPSeg', 'BiomedCLIPSeg', 'BiomedCLIPSeg-D', 'UNet', 'UNet++', 'DeepLabv3+', 'SOTA'];
const SETTING_LABEL: Record<RunSetting, string> = { individual: 'Individual', pooled: 'Pooled', 'all-pooled': 'Pooled', 'endoscopy-pooled': 'Endoscopy Pooled' };
const SETTING_ORDER = ['Individual', 'Pooled', 'Endoscopy Pooled'];
/** Tables 3 and 4 print the test-only endoscopy sets after the three training ones. */
export const PAPER_DATASET_ORDER = ['Kvasir-SEG', 'ClinicDB', 'BKAI', 'CVC-300', 'CVC-ColonDB', 'ETIS', 'ISIC', 'DFU', 'CAMUS', 'BUSI', 'CheXlocalize'];
const PROMPT_ORDER = ['P0', 'P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9', 'RANDOM'];

/** Position of `value` in `order`; values not in it follow, in the order `seen` lists them. */
function ranker(order: readonly string[], seen: readonly string[]): (value: string) => number {
  return (value) => {
    const i = order.indexOf(value);
    return i >= 0 ? i : order.length + seen.indexOf(value);
  };
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const shownPrompt = (c: StudyCell): string => (c.cnn ? 'image only' : c.prompt);
const inDistribution = (c: StudyCell): boolean => c.trainedOn.length === 0 || c.trainedOn.includes(c.dataset);

interface Built {
  entries: PivotEntry[];
  used: StudyCell[];
  paperCells: number;
  pivot: Omit<PivotOptions, 'columns'>;
  columnOrder: readonly string[];
  /** Sort keys of a row, compared in order. */
  rowRank: (e: PivotEntry) => number[];
}

function finish(id: StudyTableId, title: string, caption: string, need: string, b: Built, suite: string | null, runs: readonly RunRecord[], rule?: string): ReportTable {
  const seenColumns = [...new Set(b.entries.map((e) => e.column))];
  const columns = [...seenColumns].sort((x, y) => ranker(b.columnOrder, seenColumns)(x) - ranker(b.columnOrder, seenColumns)(y));
  const sorted = b.entries
    .map((e, i) => ({ e, key: [...b.rowRank(e), i] }))
    .sort((x, y) => {
      for (let k = 0; k < x.key.length; k++) if (x.key[k] !== y.key[k]) return x.key[k] - y.key[k];
      return 0;
    })
    .map((x) => x.e);
  const table = comparisonPivot(sorted, { ...b.pivot, columns });
  const missing: string[] = [];
  const matched = b.entries.filter((e) => e.paper && b.entries.some((o) => o.ours && o.column === e.column && JSON.stringify(o.row) === JSON.stringify(e.row))).length;
  if (b.used.length === 0) missing.push(`No runs for this table: it needs ${need}.${b.paperCells ? " The paper's numbers are shown alone." : ''}`);
  else if (b.paperCells > matched) missing.push(`${b.paperCells - matched} of ${b.paperCells} of the paper's cells have no run here.`);
  return {
    id, title, caption, ...(rule ? { rule } : {}), table, rowHeaders: b.pivot.rowHeaders.length, groupSpan: b.pivot.parts.length, digits: 2,
    source: sourceOf(suite, runs, b.used.map((c) => c.runId)), missing,
  };
}

/** Table 3: Individual / Pooled / Endoscopy Pooled × model, columns tested dataset; VLSM cells by BEST_PROMPT_RULE. */
export function table3(cells: readonly StudyCell[], paper: readonly PaperResult[], suite: string | null, runs: readonly RunRecord[]): ReportTable {
  const ours = cells.filter((c) => c.kind !== 'zeroshot' && c.setting !== null && (c.setting !== 'individual' || inDistribution(c)));
  const used: StudyCell[] = [];
  const entries: PivotEntry[] = [];
  for (const group of groupBy(ours, (c) => JSON.stringify([SETTING_LABEL[c.setting!], c.model, c.dataset])).values()) {
    const best = bestPrompt(group)!;
    used.push(best);
    entries.push({ row: [SETTING_LABEL[best.setting!], best.model], column: best.dataset, ours: { mean: best.mean, prompt: shownPrompt(best) } });
  }
  const fromPaper = paper.filter((p) => p.table === 'table3' && p.dataset !== null);
  for (const p of fromPaper) entries.push({ row: [p.setting, p.model], column: p.dataset!, paper: { mean: p.mean } });
  const models = [...new Set(entries.map((e) => String(e.row[1])))];
  const settings = [...new Set(entries.map((e) => String(e.row[0])))];
  return finish(
    'table3', 'Table 3: fine-tuning settings',
    'Test Dice (×100) of VLSMs and CNNs fine-tuned on each dataset (Individual), on all training sets pooled (Pooled), and on the endoscopy training sets pooled (Endoscopy Pooled), per tested dataset; each cell beside the paper\'s number and the difference (ours − paper).',
    'fine-tune (or eval) runs with a setting: individual, pooled, all-pooled or endoscopy-pooled',
    {
      entries, used, paperCells: fromPaper.length, columnOrder: PAPER_DATASET_ORDER,
      pivot: { rowHeaders: ['setting', 'model'], parts: ['ours', 'prompt', 'paper', 'diff'] },
      rowRank: (e) => [ranker(SETTING_ORDER, settings)(String(e.row[0])), ranker(PAPER_MODEL_ORDER, models)(String(e.row[1]))],
    },
    suite, runs, BEST_PROMPT_RULE,
  );
}

/** Table 4: models trained on one dataset, tested on every endoscopy test set; one prompt per row (the one Table 3 chooses). */
export function table4(cells: readonly StudyCell[], paper: readonly PaperResult[], suite: string | null, runs: readonly RunRecord[]): ReportTable {
  const ours = cells.filter((c) => c.kind !== 'zeroshot' && c.setting === 'individual' && c.trainedOn.length === 1);
  const used: StudyCell[] = [];
  const entries: PivotEntry[] = [];
  for (const group of groupBy(ours, (c) => JSON.stringify([c.trainedOn[0], c.model])).values()) {
    // A model tested only where it was trained belongs to Table 3 alone.
    if (group.every((c) => c.dataset === c.trainedOn[0])) continue;
    const home = group.filter((c) => c.dataset === c.trainedOn[0]);
    const chosen = bestPrompt(home.length > 0 ? home : group)!;
    const frozenMatters = (c: StudyCell): boolean => (c.frozen.length === 0) === (chosen.frozen.length === 0);
    for (const perDataset of groupBy(group.filter((c) => c.prompt === chosen.prompt && frozenMatters(c)), (c) => c.dataset).values()) {
      const cell = newestPerPrompt(perDataset)[0]!;
      used.push(cell);
      entries.push({ row: [cell.trainedOn[0]!, cell.model], column: cell.dataset, ours: { mean: cell.mean, prompt: shownPrompt(cell) } });
    }
  }
  const fromPaper = paper.filter((p) => p.table === 'table4' && p.dataset !== null && p.setting !== null);
  for (const p of fromPaper) entries.push({ row: [p.setting!.replace(/^trained on /, ''), p.model], column: p.dataset!, paper: { mean: p.mean } });
  const models = [...new Set(entries.map((e) => String(e.row[1])))];
  const trained = [...new Set(entries.map((e) => String(e.row[0])))];
  return finish(
    'table4', 'Table 4: out-of-distribution endoscopy test sets',
    'Test Dice (×100) of models fine-tuned on one endoscopy dataset (trained on) and tested on every endoscopy test set (columns); the cell where trained on = tested on is in distribution. Each cell beside the paper\'s number and the difference (ours − paper).',
    'fine-tune (or eval) runs with setting individual, trained on one dataset and tested on others',
    {
      entries, used, paperCells: fromPaper.length, columnOrder: PAPER_DATASET_ORDER,
      pivot: { rowHeaders: ['trained on', 'model'], parts: ['ours', 'prompt', 'paper', 'diff'] },
      rowRank: (e) => [ranker(PAPER_DATASET_ORDER, trained)(String(e.row[0])), ranker(PAPER_MODEL_ORDER, models)(String(e.row[1]))],
    },
    suite, runs,
    'Each row is one fine-tuned model: a VLSM row uses the prompt type Table 3 chooses for it (the best mean test Dice on the dataset it was trained on), the same for every tested set.',
  );
}

/** Tables 6 and 7: a frozen-encoder VLSM fine-tuned per dataset and prompt type; rows dataset, columns prompt, as printed. */
export function frozenTable(id: 'table6' | 'table7', cells: readonly StudyCell[], paper: readonly PaperResult[], suite: string | null, runs: readonly RunRecord[]): ReportTable {
  const model = id === 'table6' ? 'CRIS' : 'CLIPSeg';
  const ours = cells.filter((c) => c.model === model && c.kind !== 'zeroshot' && c.setting === 'individual' && c.frozen.length > 0 && inDistribution(c));
  const used: StudyCell[] = [];
  const entries: PivotEntry[] = [];
  for (const group of groupBy(ours, (c) => JSON.stringify([c.dataset, c.prompt])).values()) {
    const cell = newestPerPrompt(group)[0]!;
    used.push(cell);
    entries.push({ row: [cell.dataset], column: cell.prompt, ours: { mean: cell.mean, std: cell.std } });
  }
  const fromPaper = paper.filter((p) => p.table === id && p.dataset !== null && p.prompt !== null);
  for (const p of fromPaper) entries.push({ row: [p.dataset], column: p.prompt!, paper: { mean: p.mean, std: p.std } });
  const datasets = [...new Set(entries.map((e) => String(e.row[0])))];
  return finish(
    id, `Table ${id.slice(-1)}: ${model} fine-tuned with a frozen encoder`,
    `Test Dice (×100, mean and sample std over test images) of ${model} fine-tuned per dataset (rows) and prompt type (columns) with its image encoder frozen; each cell beside the paper's number and the difference of the means (ours − paper).`,
    `${model} fine-tune (or eval) runs with setting individual and a frozen part recorded`,
    {
      entries, used, paperCells: fromPaper.length, columnOrder: PROMPT_ORDER,
      pivot: { rowHeaders: ['dataset'], parts: ['ours', 'std', 'paper', 'paper std', 'diff'] },
      rowRank: (e) => [ranker(PAPER_DATASET_ORDER, datasets)(String(e.row[0]))],
    },
    suite, runs,
  );
}

/** Zero-shot Dice per model × dataset (rows) × prompt type (columns); the paper has no table of these to compare with. */
export function zeroShotTable(cells: readonly StudyCell[], suite: string | null, runs: readonly RunRecord[]): ReportTable {
  const ours = cells.filter((c) => c.kind === 'zeroshot');
  const used: StudyCell[] = [];
  const entries: PivotEntry[] = [];
  for (const group of groupBy(ours, (c) => JSON.stringify([c.model, c.dataset, c.prompt])).values()) {
    const cell = newestPerPrompt(group)[0]!;
    used.push(cell);
    entries.push({ row: [cell.model, cell.dataset], column: cell.prompt, ours: { mean: cell.mean, std: cell.std } });
  }
  const models = [...new Set(entries.map((e) => String(e.row[0])))];
  const datasets = [...new Set(entries.map((e) => String(e.row[1])))];
  return finish(
    'zeroshot', 'Zero-shot Dice per prompt type',
    'Test Dice (×100, mean and sample std over test images) of pretrained models without fine-tuning, per dataset and prompt type. The paper shows these only as curves (Figure 2), so there is no paper column.',
    'zero-shot runs',
    {
      entries, used, paperCells: 0, columnOrder: PROMPT_ORDER,
      pivot: { rowHeaders: ['model', 'dataset'], parts: ['ours', 'std'] },
      rowRank: (e) => [ranker(PAPER_MODEL_ORDER, models)(String(e.row[0])), ranker(PAPER_DATASET_ORDER, datasets)(String(e.row[1]))],
    },
    suite, runs,
  );
}

/** The tables named (default all), in STUDY_TABLES order. */
export function studyTables(cells: readonly StudyCell[], paper: readonly PaperResult[], suite: string | null, runs: readonly RunRecord[], ids: readonly StudyTableId[] = STUDY_TABLES): ReportTable[] {
  return STUDY_TABLES.filter((id) => ids.includes(id)).map((id) => {
    switch (id) {
      case 'table3': return table3(cells, paper, suite, runs);
      case 'table4': return table4(cells, paper, suite, runs);
      case 'table6': case 'table7': return frozenTable(id, cells, paper, suite, runs);
      case 'zeroshot': return zeroShotTable(cells, suite, runs);
    }
  });
}
