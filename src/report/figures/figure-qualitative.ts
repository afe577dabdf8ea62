// Qualitative panels like the paper's Figures 5 and 6: for chosen or seeded-random test images,
// the image, its ground truth and the masks that several stored runs predicted (models or prompt
// types side by side). Nothing is re-run: only runs that saved their masks (`vlsm eval --masks`,
// `vlsm robustness` baselines) can be shown.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRandom } from '../../data/seeded-random.js';
import type { ItemMetricRecord, RunRecord } from '../../experiments/results/index.js';
import { toCsv, type Table } from '../table-format.js';
import { datasetRootOf, recordsOf, savedMaskPath } from './dataset-files.js';
import { maskTile, panelSvg, type PanelRow } from './image-panels.js';
import { figurePaths, svgToPng } from './render.js';
import { groupBy, isPromptType, modelLabel, promptOrder, type StudyData } from './study-data.js';
import type { ReportFigure } from './types.js';

export const QUALITATIVE_ID = 'figure-qualitative';
const TITLE = 'Qualitative results: predictions side by side';
/** Prediction columns at most (the page width). */
export const MAX_PREDICTION_COLUMNS = 4;

interface Column {
  run: RunRecord;
  prompt: string;
  items: Map<string, ItemMetricRecord>;
}

/** Runs with saved masks, one column per (run, prompt type) on the dataset most of them score. */
function columnsOf(study: StudyData): { dataset: string; columns: Column[] } | undefined {
  const columns: (Column & { dataset: string })[] = [];
  for (const run of study.runs) {
    if (run.perturbation || typeof (run.config as { masksDir?: unknown } | null)?.masksDir !== 'string') continue;
    for (const [k, items] of groupBy(study.items.get(run.id) ?? [], (i) => JSON.stringify([i.dataset, i.prompt]))) {
      const [dataset, prompt] = JSON.parse(k) as [string, string];
      if (isPromptType(prompt)) columns.push({ run, prompt, dataset, items: new Map(items.map((i) => [i.imageId, i])) });
    }
  }
  if (columns.length === 0) return undefined;
  const byDataset = groupBy(columns, (c) => c.dataset);
  const [dataset, chosen] = [...byDataset.entries()].reduce((a, b) => (b[1].length > a[1].length ? b : a));
  const ordered = chosen.sort((a, b) => modelLabel(a.run).localeCompare(modelLabel(b.run)) || promptOrder(a.prompt, b.prompt) || b.run.id - a.run.id);
  return { dataset, columns: ordered.slice(0, MAX_PREDICTION_COLUMNS) };
}

export async function qualitativeFigure(study: StudyData, outDir: string, o: { seed: number; count: number; images?: readonly string[]; dataRoots?: Readonly<Record<string, string>> }): Promise<ReportFigure> {
  const caption = `Test images with their ground truth and the masks predicted by stored runs (red, yellow contour), one column per model and prompt type (at most ${MAX_PREDICTION_COLUMNS}); images ${o.images?.length ? 'chosen by the caller' : `drawn with seed ${o.seed}`}. Shown from the masks the runs saved; no model is re-run. Under each row: the Dice of each column.`;
  const missing = (why: string): ReportFigure => ({ id: QUALITATIVE_ID, title: TITLE, caption, svg: null, png: null, csv: null, runIds: [], missing: why });
  const found = columnsOf(study);
  if (!found) return missing('no done run in the store saved its predicted masks (vlsm eval --masks, vlsm robustness)');
  const { dataset, columns } = found;
  const root = datasetRootOf(columns[0]!.run, dataset, o.dataRoots);
  if (!root) return missing(`no dataset root for ${dataset} (pass dataRoots)`);
  const records = await recordsOf(root);
  const common = [...columns[0]!.items.keys()].filter((id) => columns.every((c) => c.items.has(id)) && records.has(id)).sort();
  const images = o.images?.length ? o.images.filter((id) => common.includes(id)) : createRandom(`${o.seed}\u0000qualitative`).shuffle(common).slice(0, o.count);
  if (images.length === 0) return missing(o.images?.length ? `none of the chosen images (${o.images.join(', ')}) is scored by every column's run with a saved mask` : `no image of ${root} is scored by every column's run`);
  const headers = ['Image', 'Ground truth', ...columns.map((c) => `${modelLabel(c.run)} ${c.prompt} (run ${c.run.id})`)];
  const rows: PanelRow[] = [];
  const table: Table = { columns: ['dataset', 'image_id', 'column', 'run_id', 'prompt', 'prompt_text', 'dice'], rows: [] };
  for (const id of images) {
    const record = records.get(id)!;
    const predictions = columns.map((c) => {
      const path = savedMaskPath(c.run, dataset, c.prompt, id);
      return path ? maskTile(record.imagePath, path) : Promise.resolve(null);
    });
    rows.push({
      cells: await Promise.all([maskTile(record.imagePath, null), maskTile(record.imagePath, record.maskPaths[0] ?? null), ...predictions]),
      lines: [`${dataset} ${id}: Dice ${columns.map((c) => (c.items.get(id)!.dice * 100).toFixed(1)).join(' | ')}`],
    });
    for (const [k, c] of columns.entries()) {
      const item = c.items.get(id)!;
      table.rows.push([dataset, id, headers[k + 2]!, c.run.id, c.prompt, item.promptText, item.dice * 100]);
    }
  }
  await mkdir(outDir, { recursive: true });
  const svg = panelSvg(headers, rows);
  await writeFile(join(outDir, `${QUALITATIVE_ID}.svg`), svg);
  await svgToPng(svg, join(outDir, `${QUALITATIVE_ID}.png`));
  await writeFile(join(outDir, `${QUALITATIVE_ID}.csv`), toCsv(table));
  return { id: QUALITATIVE_ID, title: TITLE, caption, ...figurePaths(QUALITATIVE_ID), runIds: [...new Set(columns.map((c) => c.run.id))].sort((a, b) => a - b) };
}
