// The report's figures: every figure drawn from a results store into a figures/ folder as SVG,
// PNG and the CSV of its data. A figure that lacks its runs is returned with `missing` set.
import { mkdir } from 'node:fs/promises';
import { boxplotFigure } from './figure-boxplots.js';
import { largestDropsFigure } from './figure-largest-drops.js';
import { promptTypeFigure } from './figure-prompt-types.js';
import { qualitativeFigure } from './figure-qualitative.js';
import { robustnessFigure } from './figure-robustness.js';
import { loadStudy } from './study-data.js';
import type { BuildFiguresOptions, ReportFigure, ResultsStore } from './types.js';

export type { BuildFiguresOptions, ReportFigure } from './types.js';
export { FIGURE_CONFIG, FIGURE_FONT, OKABE_ITO, PNG_SCALE, svgToPng, vegaLiteSvg } from './render.js';

/** Draws every figure of the report; missing data gives a figure with `missing` set, not an error. */
export async function buildFigures(store: ResultsStore, options: BuildFiguresOptions): Promise<ReportFigure[]> {
  await mkdir(options.outDir, { recursive: true });
  const study = loadStudy(store, options.suite);
  const stats = { seed: options.seed ?? 0, resamples: options.resamples ?? 1000 };
  const count = options.qualitativeCount ?? 4;
  return [
    await promptTypeFigure(study, options.outDir, stats),
    await robustnessFigure(study, options.outDir, stats),
    await largestDropsFigure(study, options.outDir, { count, dataRoots: options.dataRoots }),
    await qualitativeFigure(study, options.outDir, { seed: stats.seed, count, images: options.qualitativeImages, dataRoots: options.dataRoots }),
    await boxplotFigure(study, options.outDir),
  ];
}
