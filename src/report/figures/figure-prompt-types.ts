// Figure 2: mean test Dice against prompt type, one panel per dataset, one line per model and
// condition (zero-shot dashed, fine-tuned solid), with 95% percentile bootstrap bands over images.
import type { TopLevelSpec } from 'vega-lite';
import { bootstrapMeanCi } from '../../eval/bootstrap.js';
import type { Table } from '../table-format.js';
import { vegaLiteSvg, writeFigureFiles } from './render.js';
import { conditionOf, modelLabel, newestCells, promptOrder, type StudyData } from './study-data.js';
import type { ReportFigure } from './types.js';

export const PROMPT_TYPES_ID = 'figure-2-prompt-types';
const TITLE = 'Dice vs prompt type';

export interface PromptTypePoint {
  dataset: string;
  model: string;
  condition: string;
  prompt: string;
  /** Mean Dice ×100 and its 95% CI bounds. */
  mean: number;
  low: number;
  high: number;
  images: number;
  runId: number;
}

/** The plotted points: one per (model, condition, dataset, prompt), the newest run's items. */
export function promptTypePoints(study: StudyData, o: { seed: number; resamples: number }): PromptTypePoint[] {
  const { cells } = newestCells(study);
  const points = [...cells.values()].map(({ run, dataset, prompt, items }) => {
    const ci = bootstrapMeanCi(items.map((i) => i.dice * 100), { seed: o.seed, resamples: o.resamples });
    return { dataset, model: modelLabel(run), condition: conditionOf(run), prompt, mean: ci.estimate, low: ci.low, high: ci.high, images: items.length, runId: run.id };
  });
  return points.sort((a, b) => a.dataset.localeCompare(b.dataset) || a.model.localeCompare(b.model) || a.condition.localeCompare(b.condition) || promptOrder(a.prompt, b.prompt));
}

export function promptTypeSpec(points: readonly PromptTypePoint[]): TopLevelSpec {
  const prompts = [...new Set(points.map((p) => p.prompt))].sort(promptOrder);
  const series = points.map((p) => ({ ...p, series: `${p.model} (${p.condition})` }));
  const x = { field: 'prompt', type: 'ordinal', sort: prompts, title: 'Prompt type', axis: { labelAngle: 0 } } as const;
  const color = { field: 'model', type: 'nominal', title: 'Model', legend: { symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2 } } as const;
  const dash = { field: 'condition', type: 'nominal', title: 'Weights', scale: { domain: ['fine-tuned', 'zero-shot'], range: [[1, 0], [4, 2]] }, legend: { symbolType: 'stroke', symbolStrokeColor: '#333333', symbolStrokeWidth: 1.5 } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values: series },
    facet: { column: { field: 'dataset', type: 'nominal', title: null } },
    columns: 3,
    spec: {
      width: 220,
      height: 150,
      layer: [
        { mark: { type: 'area', opacity: 0.2 }, encoding: { x, y: { field: 'low', type: 'quantitative', title: 'Dice (%)', scale: { domain: [0, 100] } }, y2: { field: 'high' }, color, detail: { field: 'series' } } },
        { mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, color, strokeDash: dash, detail: { field: 'series' } } },
        { mark: { type: 'point', filled: true, size: 18, opacity: 1 }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, color, detail: { field: 'series' } } },
      ],
    },
  } as TopLevelSpec;
}

export function promptTypeTable(points: readonly PromptTypePoint[]): Table {
  return {
    columns: ['dataset', 'model', 'condition', 'prompt', 'dice_mean', 'dice_ci_low', 'dice_ci_high', 'images', 'run_id'],
    rows: points.map((p) => [p.dataset, p.model, p.condition, p.prompt, p.mean, p.low, p.high, p.images, p.runId]),
  };
}

export async function promptTypeFigure(study: StudyData, outDir: string, o: { seed: number; resamples: number }): Promise<ReportFigure> {
  const points = promptTypePoints(study, o);
  const caption = `Mean test Dice (%) per prompt type, one panel per dataset, one line per model; solid: fine-tuned, dashed: zero-shot. Bands: 95% percentile bootstrap intervals over images (${o.resamples} resamples, seed ${o.seed}). Where several runs score one model, condition, dataset and prompt, the newest is used.`;
  const runIds = [...new Set(points.map((p) => p.runId))].sort((a, b) => a - b);
  if (points.length === 0) {
    return { id: PROMPT_TYPES_ID, title: TITLE, caption, svg: null, png: null, csv: null, runIds, missing: 'no done zero-shot, eval or fine-tune run with test items per prompt type in the store' };
  }
  const files = await writeFigureFiles(outDir, PROMPT_TYPES_ID, await vegaLiteSvg(promptTypeSpec(points)), promptTypeTable(points));
  return { id: PROMPT_TYPES_ID, title: TITLE, caption, ...files, runIds };
}
