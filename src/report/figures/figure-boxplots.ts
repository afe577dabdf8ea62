// Box plots of per-image test Dice per model and dataset: for each model and condition, the
// prompt type with the best mean test Dice on that dataset (the rule the paper's Table 3 uses).
import type { TopLevelSpec } from 'vega-lite';
import type { Table } from '../table-format.js';
import { vegaLiteSvg, writeFigureFiles } from './render.js';
import { conditionOf, groupBy, modelLabel, newestCells, type StudyData } from './study-data.js';
import type { ReportFigure } from './types.js';

export const BOXPLOTS_ID = 'figure-boxplots-dice';
const TITLE = 'Per-image Dice per model and dataset';

export interface BoxplotValue {
  dataset: string;
  model: string;
  prompt: string;
  imageId: string;
  className: string;
  /** Dice ×100. */
  dice: number;
  runId: number;
}

const mean = (v: readonly number[]): number => v.reduce((s, x) => s + x, 0) / v.length;

/** Per-image values of the best prompt of each (model and condition, dataset); NaN Dice left out. */
export function boxplotValues(study: StudyData): BoxplotValue[] {
  const { cells } = newestCells(study);
  const byModel = groupBy([...cells.values()], (c) => JSON.stringify([modelLabel(c.run), conditionOf(c.run), c.dataset]));
  const values: BoxplotValue[] = [];
  for (const group of byModel.values()) {
    const scored = group.map((c) => ({ c, mean: mean(c.items.filter((i) => !Number.isNaN(i.dice)).map((i) => i.dice)) })).filter((s) => !Number.isNaN(s.mean));
    if (scored.length === 0) continue;
    const best = scored.reduce((a, b) => (b.mean > a.mean ? b : a)).c;
    const model = `${modelLabel(best.run)}${conditionOf(best.run) === 'zero-shot' ? ' (zero-shot)' : ''}`;
    for (const i of best.items) {
      if (!Number.isNaN(i.dice)) values.push({ dataset: best.dataset, model, prompt: best.prompt, imageId: i.imageId, className: i.className, dice: i.dice * 100, runId: best.run.id });
    }
  }
  return values.sort((a, b) => a.dataset.localeCompare(b.dataset) || a.model.localeCompare(b.model) || a.imageId.localeCompare(b.imageId));
}

export function boxplotSpec(values: readonly BoxplotValue[]): TopLevelSpec {
  const models = [...new Set(values.map((v) => v.model))].sort();
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    facet: { column: { field: 'dataset', type: 'nominal', title: null } },
    columns: 3,
    spec: {
      width: Math.max(120, 28 * models.length),
      height: 150,
      mark: { type: 'boxplot', extent: 1.5, size: 14, median: { color: 'black' }, outliers: { size: 8 } },
      encoding: {
        x: { field: 'model', type: 'nominal', sort: models, title: null, axis: { labels: false, ticks: false } },
        y: { field: 'dice', type: 'quantitative', title: 'Dice (%)', scale: { domain: [0, 100] } },
        color: { field: 'model', type: 'nominal', sort: models, title: 'Model' },
      },
    },
  } as TopLevelSpec;
}

export function boxplotTable(values: readonly BoxplotValue[]): Table {
  return { columns: ['dataset', 'model', 'prompt', 'image_id', 'class', 'dice', 'run_id'], rows: values.map((v) => [v.dataset, v.model, v.prompt, v.imageId, v.className, v.dice, v.runId]) };
}

export async function boxplotFigure(study: StudyData, outDir: string): Promise<ReportFigure> {
  const values = boxplotValues(study);
  const caption = 'Per-image test Dice (%) per model and dataset, at the prompt type with the best mean test Dice for that model and dataset. Boxes: quartiles and median; whiskers: the furthest values within 1.5 IQR; dots: values beyond.';
  const runIds = [...new Set(values.map((v) => v.runId))].sort((a, b) => a - b);
  if (values.length === 0) return { id: BOXPLOTS_ID, title: TITLE, caption, svg: null, png: null, csv: null, runIds, missing: 'no done run with per-image test Dice in the store' };
  const files = await writeFigureFiles(outDir, BOXPLOTS_ID, await vegaLiteSvg(boxplotSpec(values)), boxplotTable(values));
  return { id: BOXPLOTS_ID, title: TITLE, caption, ...files, runIds };
}
