// Figures rendered without a browser: a vega-lite spec compiled to vega, drawn by vega's headless
// view to SVG, and the SVG rasterised by sharp (librsvg) to PNG. The font is DejaVu Sans, which
// Debian's fonts-dejavu-core installs and librsvg finds through fontconfig; sizes fit the paper's
// column width (a 3.3 in column is about 240 px of plot at 72 px/in, so 9-10 px text).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomicAsync } from '../../atomic-write.js';
import { toCsv, type Table } from '../table-format.js';

export const FIGURE_FONT = 'DejaVu Sans';

/** Okabe & Ito's colour-blind-safe palette (black last, for an eighth series). */
export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

/** PNG pixels per SVG pixel: 300 dpi for an SVG read at 96 px per inch (librsvg reads SVG at 72 dpi, so density = 72 × scale). */
export const PNG_SCALE = 300 / 96;

/** The vega-lite config every chart shares: font, sizes, palette, legend outside the data. */
export const FIGURE_CONFIG = {
  font: FIGURE_FONT,
  background: 'white',
  axis: { labelFontSize: 9, titleFontSize: 10, titleFontWeight: 'normal', labelFont: FIGURE_FONT, titleFont: FIGURE_FONT },
  header: { labelFontSize: 10, titleFontSize: 10, labelFont: FIGURE_FONT, titleFont: FIGURE_FONT },
  legend: { labelFontSize: 9, titleFontSize: 10, orient: 'bottom', direction: 'horizontal', columns: 3, labelLimit: 220, titleFont: FIGURE_FONT, labelFont: FIGURE_FONT },
  title: { fontSize: 11, font: FIGURE_FONT },
  text: { font: FIGURE_FONT, fontSize: 8 },
  range: { category: OKABE_ITO },
  view: { stroke: '#cccccc' },
} as const;

/** Where a figure's files go and how the report names them. */
export interface FigureFiles {
  svg: string;
  png: string;
  csv: string;
}

/** Paths relative to the report folder (the parent of figures/). */
export const figurePaths = (id: string): FigureFiles => ({ svg: `figures/${id}.svg`, png: `figures/${id}.png`, csv: `figures/${id}.csv` });

/** The SVG text of a vega-lite spec (the shared config merged under the spec's own). */
export async function vegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const withConfig = { ...spec, config: { ...FIGURE_CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(withConfig).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises SVG text to PNG at `PNG_SCALE` (300 dpi); returns the PNG's size in pixels. */
export async function svgToPng(svg: string, path: string): Promise<{ width: number; height: number }> {
  const { data, info } = await sharp(Buffer.from(svg), { density: 72 * PNG_SCALE }).flatten({ background: '#ffffff' }).png().toBuffer({ resolveWithObject: true });
  await writeFileAtomicAsync(path, data);
  return { width: info.width, height: info.height };
}

/** Writes `<outDir>/<id>.svg`, `.png` and `.csv` (the plotted data); returns the report-relative paths. */
export async function writeFigureFiles(outDir: string, id: string, svg: string, data: Table): Promise<FigureFiles> {
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, `${id}.svg`), svg);
  await svgToPng(svg, join(outDir, `${id}.png`));
  await writeFile(join(outDir, `${id}.csv`), toCsv(data));
  return figurePaths(id);
}

/** Text safe inside SVG markup. */
export const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
