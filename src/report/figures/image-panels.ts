// Image grids for the qualitative figures: each cell an image with a mask drawn over it (tinted,
// contoured: imaging/overlay), scaled into a square tile, laid out in one SVG with column titles and
// text lines under each row. The PNG is the same SVG rasterised, so both show the same thing.
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { overlay } from '../../imaging/overlay.js';
import { readGrayImage, readRgbImage } from '../../imaging/read-image.js';
import { encodeRgbPng } from '../../imaging/write-image.js';
import { resizeNearest } from '../../imaging/resize.js';
import { escapeXml, FIGURE_FONT } from './render.js';

/** Tile edge in SVG pixels. */
export const TILE = 160;
const GAP = 6;
const TITLE_H = 30;
const LINE_H = 13;

/** A PNG tile: the image at `imagePath`, with `maskPath` drawn over it when given; null when a file is missing. */
export async function maskTile(imagePath: string, maskPath: string | null): Promise<Buffer | null> {
  if (!existsSync(imagePath) || (maskPath !== null && !existsSync(maskPath))) return null;
  const image = await readRgbImage(imagePath);
  let shown = image;
  if (maskPath !== null) {
    let mask = await readGrayImage(maskPath);
    if (mask.width !== image.width || mask.height !== image.height) mask = resizeNearest(mask, image.width, image.height);
    shown = overlay(image, mask);
  }
  const png = await encodeRgbPng(shown);
  return sharp(png).resize(TILE, TILE, { fit: 'contain', background: '#000000' }).png().toBuffer();
}

export interface PanelRow {
  /** One tile per column; null draws a grey "not available" tile. */
  cells: (Buffer | null)[];
  /** Text lines printed under the row (prompts, Dice). */
  lines: string[];
}

/** Lines cut to what fits the grid's width at 9 px DejaVu Sans (about 5.5 px a character). */
const fit = (line: string, width: number): string => {
  const max = Math.floor(width / 5.6);
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
};

/** The SVG of a grid: column titles, then each row's tiles and its text lines. */
export function panelSvg(columns: readonly string[], rows: readonly PanelRow[]): string {
  const width = columns.length * (TILE + GAP) + GAP;
  const rowHeights = rows.map((r) => TILE + GAP + r.lines.length * LINE_H + GAP);
  const height = TITLE_H + rowHeights.reduce((s, h) => s + h, 0);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FIGURE_FONT}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  columns.forEach((title, c) => {
    parts.push(`<text class="column-title" x="${GAP + c * (TILE + GAP) + TILE / 2}" y="${TITLE_H - 10}" font-size="10" text-anchor="middle">${escapeXml(fit(title, TILE + GAP))}</text>`);
  });
  let y = TITLE_H;
  rows.forEach((row, r) => {
    row.cells.forEach((cell, c) => {
      const x = GAP + c * (TILE + GAP);
      if (cell === null) {
        parts.push(`<rect class="tile-missing" x="${x}" y="${y}" width="${TILE}" height="${TILE}" fill="#dddddd"/>`);
        parts.push(`<text x="${x + TILE / 2}" y="${y + TILE / 2}" font-size="9" text-anchor="middle">not available</text>`);
      } else {
        parts.push(`<image class="tile" x="${x}" y="${y}" width="${TILE}" height="${TILE}" xlink:href="data:image/png;base64,${cell.toString('base64')}"/>`);
      }
    });
    row.lines.forEach((line, i) => {
      parts.push(`<text class="row-line" x="${GAP}" y="${y + TILE + GAP + (i + 1) * LINE_H - 3}" font-size="9">${escapeXml(fit(line, width - 2 * GAP))}</text>`);
    });
    y += rowHeights[r]!;
  });
  parts.push('</svg>');
  return parts.join('\n');
}
