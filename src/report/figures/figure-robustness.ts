// Figure 3: relative change of mean test Dice when one attribute of the prompt is replaced by a
// random word or by another value of the dataset, per model and dataset, with 95% bootstrap CIs
// over images and paired Wilcoxon signed-rank p-values (stored baseline and perturbed runs).
import type { TopLevelSpec } from 'vega-lite';
import { pairedChange } from '../../eval/paired-change.js';
import type { Table } from '../table-format.js';
import { vegaLiteSvg, writeFigureFiles } from './render.js';
import { diceByItem, robustnessPairs } from './robustness-pairs.js';
import type { StudyData } from './study-data.js';
import type { ReportFigure } from './types.js';

export const ROBUSTNESS_ID = 'figure-3-robustness';
const TITLE = 'Relative ΔDice per perturbed attribute';

/** The paper's attribute order; other attributes follow by name. */
export const ATTRIBUTE_ORDER = ['class', 'shape', 'color', 'size', 'number', 'location'];

export interface RobustnessPoint {
  model: string;
  dataset: string;
  prompt: string;
  attribute: string;
  mode: string;
  pairs: number;
  /** Mean Dice ×100 of the paired items, before and after. */
  baselineDice: number;
  perturbedDice: number;
  /** altered − baseline, Dice points. */
  deltaDice: number;
  /** (altered − baseline) / baseline ×100, and its 95% CI. */
  relative: number;
  relativeLow: number;
  relativeHigh: number;
  pValue: number;
  baselineRunId: number;
  perturbedRunId: number;
}

/** Formats a p-value for a label: two significant digits, "<0.001" below. */
export const formatP = (p: number): string => (Number.isNaN(p) ? 'p n/a' : p < 0.001 ? 'p<0.001' : `p=${p.toPrecision(2)}`);

export function robustnessPoints(study: StudyData, o: { seed: number; resamples: number }): RobustnessPoint[] {
  return robustnessPairs(study).map((pair) => {
    const c = pairedChange(diceByItem(pair.baseline), diceByItem(pair.perturbed), { seed: o.seed, resamples: o.resamples });
    return {
      model: pair.model, dataset: pair.dataset, prompt: pair.prompt, attribute: pair.attribute, mode: pair.mode, pairs: c.pairs,
      baselineDice: c.baselineMean * 100, perturbedDice: c.alteredMean * 100, deltaDice: c.delta.estimate * 100,
      relative: c.relative.estimate * 100, relativeLow: c.relative.low * 100, relativeHigh: c.relative.high * 100,
      pValue: c.wilcoxon.pValue, baselineRunId: pair.baselineRun.id, perturbedRunId: pair.perturbedRun.id,
    };
  });
}

const attributeRank = (a: string): number => (ATTRIBUTE_ORDER.indexOf(a) < 0 ? ATTRIBUTE_ORDER.length : ATTRIBUTE_ORDER.indexOf(a));

export function robustnessSpec(points: readonly RobustnessPoint[]): TopLevelSpec {
  const attributes = [...new Set(points.map((p) => p.attribute))].sort((a, b) => attributeRank(a) - attributeRank(b) || a.localeCompare(b));
  const values = points.map((p) => ({ ...p, label: formatP(p.pValue), significant: p.pValue < 0.05 ? 'p < 0.05' : 'p ≥ 0.05' }));
  const x = { field: 'attribute', type: 'nominal', sort: attributes, title: 'Perturbed attribute', axis: { labelAngle: 0 } } as const;
  const xOffset = { field: 'mode', type: 'nominal', sort: ['random-word', 'opposite'] } as const;
  const color = { field: 'mode', type: 'nominal', title: 'Replacement', sort: ['random-word', 'opposite'] } as const;
  // Room under the lowest interval for the rotated p-value labels (about a quarter of the panel).
  const lows = points.map((p) => p.relativeLow).filter(Number.isFinite);
  const highs = points.map((p) => p.relativeHigh).filter(Number.isFinite);
  const top = Math.max(0, ...highs);
  const bottom = Math.min(0, ...lows);
  const span = Math.max(top - bottom, 1);
  const domain = [bottom - 0.35 * span, top + 0.05 * span];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    facet: { row: { field: 'model', type: 'nominal', title: null }, column: { field: 'dataset', type: 'nominal', title: null } },
    spec: {
      width: Math.max(160, 44 * attributes.length),
      height: 150,
      layer: [
        { mark: { type: 'rule', color: '#888888', strokeDash: [2, 2] }, encoding: { y: { datum: 0, type: 'quantitative' } } },
        { mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { x, xOffset, y: { field: 'relativeLow', type: 'quantitative', title: 'Relative ΔDice (%)', scale: { domain, nice: false } }, y2: { field: 'relativeHigh' }, color } },
        {
          mark: { type: 'point', size: 30, strokeWidth: 1.5, opacity: 1 },
          encoding: {
            x, xOffset, y: { field: 'relative', type: 'quantitative' },
            stroke: color,
            fill: { condition: { test: 'datum.pValue < 0.05', field: 'mode', type: 'nominal', sort: ['random-word', 'opposite'] }, value: 'white' },
          },
        },
        { mark: { type: 'text', angle: 270, align: 'right', baseline: 'middle', dx: -5, fontSize: 7, color: '#333333' }, encoding: { x, xOffset, y: { field: 'relativeLow', type: 'quantitative' }, text: { field: 'label' } } },
      ],
    },
  } as TopLevelSpec;
}

export function robustnessTable(points: readonly RobustnessPoint[]): Table {
  return {
    columns: ['model', 'dataset', 'prompt', 'attribute', 'mode', 'pairs', 'baseline_dice', 'perturbed_dice', 'delta_dice', 'relative_delta_pct', 'relative_ci_low', 'relative_ci_high', 'wilcoxon_p', 'baseline_run_id', 'perturbed_run_id'],
    rows: points.map((p) => [p.model, p.dataset, p.prompt, p.attribute, p.mode, p.pairs, p.baselineDice, p.perturbedDice, p.deltaDice, p.relative, p.relativeLow, p.relativeHigh, p.pValue, p.baselineRunId, p.perturbedRunId]),
  };
}

export async function robustnessFigure(study: StudyData, outDir: string, o: { seed: number; resamples: number }): Promise<ReportFigure> {
  const points = robustnessPoints(study, o);
  const caption = `Relative change of mean test Dice, (perturbed − original) / original (%), when one attribute of the prompt is replaced by a random uncommon word or by another value of the dataset's own. Bars: 95% percentile bootstrap intervals over images (${o.resamples} resamples, seed ${o.seed}); filled points: paired two-sided Wilcoxon signed-rank p < 0.05 (labels give p; normal approximation with tie and continuity correction, exact when n ≤ 50 without ties or zeros).`;
  const runIds = [...new Set(points.flatMap((p) => [p.baselineRunId, p.perturbedRunId]))].sort((a, b) => a - b);
  if (points.length === 0) return { id: ROBUSTNESS_ID, title: TITLE, caption, svg: null, png: null, csv: null, runIds, missing: 'no perturbed run (vlsm robustness) with a baseline run in the store' };
  const files = await writeFigureFiles(outDir, ROBUSTNESS_ID, await vegaLiteSvg(robustnessSpec(points)), robustnessTable(points));
  return { id: ROBUSTNESS_ID, title: TITLE, caption, ...files, runIds };
}
