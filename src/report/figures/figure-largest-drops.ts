// Figure 4: the images whose Dice dropped most when one attribute of the prompt was perturbed:
// the image, its ground truth, the prediction with the original prompt and with the altered one
// (saved masks of the stored runs), both prompts printed under the row.
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Table } from '../table-format.js';
import { datasetRootOf, recordsOf, savedMaskPath } from './dataset-files.js';
import { maskTile, panelSvg, type PanelRow } from './image-panels.js';
import { figurePaths, svgToPng } from './render.js';
import { toCsv } from '../table-format.js';
import { robustnessPairs } from './robustness-pairs.js';
import { itemKey, type StudyData } from './study-data.js';
import type { ReportFigure } from './types.js';

export const LARGEST_DROPS_ID = 'figure-4-largest-drops';
const TITLE = 'Images with the largest Dice drops under prompt perturbation';
export const DROP_COLUMNS = ['Image', 'Ground truth', 'Original prompt', 'Altered prompt'];

export interface Drop {
  model: string;
  dataset: string;
  prompt: string;
  attribute: string;
  mode: string;
  imageId: string;
  className: string;
  baselineDice: number;
  perturbedDice: number;
  originalText: string;
  alteredText: string;
  baselineRunId: number;
  perturbedRunId: number;
}

/** Every paired image's drop (baseline − perturbed Dice), largest first. */
export function largestDrops(study: StudyData): { drop: Drop; pair: ReturnType<typeof robustnessPairs>[number] }[] {
  const drops: { drop: Drop; pair: ReturnType<typeof robustnessPairs>[number] }[] = [];
  for (const pair of robustnessPairs(study)) {
    const base = new Map(pair.baseline.map((i) => [itemKey(i), i]));
    for (const alt of pair.perturbed) {
      const b = base.get(itemKey(alt));
      if (!b || Number.isNaN(b.dice) || Number.isNaN(alt.dice)) continue;
      drops.push({
        pair,
        drop: {
          model: pair.model, dataset: pair.dataset, prompt: pair.prompt, attribute: pair.attribute, mode: pair.mode, imageId: alt.imageId, className: alt.className,
          baselineDice: b.dice * 100, perturbedDice: alt.dice * 100, originalText: b.promptText ?? '', alteredText: alt.promptText ?? '',
          baselineRunId: pair.baselineRun.id, perturbedRunId: pair.perturbedRun.id,
        },
      });
    }
  }
  return drops.sort((a, b) => (b.drop.baselineDice - b.drop.perturbedDice) - (a.drop.baselineDice - a.drop.perturbedDice) || a.drop.imageId.localeCompare(b.drop.imageId));
}

export function dropsTable(drops: readonly Drop[]): Table {
  return {
    columns: ['model', 'dataset', 'prompt', 'attribute', 'mode', 'image_id', 'class', 'baseline_dice', 'perturbed_dice', 'drop', 'original_prompt', 'altered_prompt', 'baseline_run_id', 'perturbed_run_id'],
    rows: drops.map((d) => [d.model, d.dataset, d.prompt, d.attribute, d.mode, d.imageId, d.className, d.baselineDice, d.perturbedDice, d.baselineDice - d.perturbedDice, d.originalText, d.alteredText, d.baselineRunId, d.perturbedRunId]),
  };
}

export async function largestDropsFigure(study: StudyData, outDir: string, o: { count: number; dataRoots?: Readonly<Record<string, string>> }): Promise<ReportFigure> {
  const caption = `The ${o.count} images whose test Dice fell most when one prompt attribute was replaced: the image, its ground truth, and the masks predicted with the original and with the altered prompt (red, yellow contour), from the masks saved by vlsm robustness. Under each row: model, attribute and replacement, Dice before → after, and both prompts.`;
  const all = largestDrops(study);
  const missing = (why: string, runIds: number[] = []): ReportFigure => ({ id: LARGEST_DROPS_ID, title: TITLE, caption, svg: null, png: null, csv: null, runIds, missing: why });
  if (all.length === 0) return missing('no perturbed run (vlsm robustness) with a baseline run in the store');
  const rows: PanelRow[] = [];
  const shown: Drop[] = [];
  const problems = new Set<string>();
  for (const { drop, pair } of all) {
    if (shown.length >= o.count) break;
    const root = datasetRootOf(pair.baselineRun, drop.dataset, o.dataRoots);
    if (!root) {
      problems.add(`no dataset root for ${drop.dataset} (pass dataRoots)`);
      continue;
    }
    const record = (await recordsOf(root)).get(drop.imageId);
    const original = savedMaskPath(pair.baselineRun, drop.dataset, drop.prompt, drop.imageId);
    const altered = savedMaskPath(pair.perturbedRun, drop.dataset, drop.prompt, drop.imageId);
    if (!record || !original || !altered) {
      problems.add(!record ? `image ${drop.imageId} not found in ${root}` : `runs ${drop.baselineRunId}/${drop.perturbedRunId} kept no masks`);
      continue;
    }
    const cells = await Promise.all([maskTile(record.imagePath, null), maskTile(record.imagePath, record.maskPaths[0] ?? null), maskTile(record.imagePath, original), maskTile(record.imagePath, altered)]);
    if (cells.some((c) => c === null)) {
      problems.add(`masks of runs ${drop.baselineRunId}/${drop.perturbedRunId} or images of ${root} are missing`);
      continue;
    }
    rows.push({
      cells,
      lines: [
        `${drop.model}, ${drop.dataset} ${drop.imageId}: ${drop.attribute} → ${drop.mode}; Dice ${drop.baselineDice.toFixed(1)} → ${drop.perturbedDice.toFixed(1)}`,
        `original: ${drop.originalText}`,
        `altered: ${drop.alteredText}`,
      ],
    });
    shown.push(drop);
  }
  const runIds = [...new Set(shown.flatMap((d) => [d.baselineRunId, d.perturbedRunId]))].sort((a, b) => a - b);
  if (rows.length === 0) return missing(`the largest drops cannot be shown: ${[...problems].join('; ')}`, runIds);
  const files = figurePaths(LARGEST_DROPS_ID);
  await mkdir(outDir, { recursive: true });
  const svg = panelSvg(DROP_COLUMNS, rows);
  await writeFile(join(outDir, `${LARGEST_DROPS_ID}.svg`), svg);
  await svgToPng(svg, join(outDir, `${LARGEST_DROPS_ID}.png`));
  await writeFile(join(outDir, `${LARGEST_DROPS_ID}.csv`), toCsv(dropsTable(shown)));
  return { id: LARGEST_DROPS_ID, title: TITLE, caption, ...files, runIds };
}
