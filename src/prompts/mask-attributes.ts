// Mask-derived attributes: number, size classes, 3×3-grid location and the overall bbox,
// following docs/prompts.md §1. `medvlsm` mode reproduces the reference bit for bit,
// quirks included; `corrected` mode fixes them (src/prompts/README.md lists every difference).
import type { GrayImage } from '../imaging/image-types.js';
import { labelComponents, type Component } from './connected-components.js';
import { markContourBorder } from './contour-border.js';

export type CompatMode = 'medvlsm' | 'corrected';
export const COMPAT_MODES: readonly CompatMode[] = ['medvlsm', 'corrected'];

export type SizeClass = 'tiny' | 'small' | 'medium' | 'large';
export const SIZE_ORDER: readonly SizeClass[] = ['tiny', 'small', 'medium', 'large'];

/** The 3×3 grid words in grid order (used for ties). */
export const GRID_WORDS = ['top left', 'top', 'top right', 'left', 'center', 'right', 'bottom left', 'bottom', 'bottom right'] as const;
export type LocationWord = (typeof GRID_WORDS)[number];

/** [x1, y1, x2, y2] with exclusive x2, y2. */
export type BBox = [number, number, number, number];

export interface ComponentAttributes {
  /** 4-connected component, raster order. */
  readonly component: Component;
  /** medvlsm: pixels exactly 255 over H·W; corrected: foreground pixels over H·W. */
  readonly coverage: number;
  readonly size: SizeClass | undefined;
  readonly location: LocationWord;
}

export interface MaskAttributes {
  readonly width: number;
  readonly height: number;
  /** Components counted in "number" (medvlsm: all; corrected: those with a size). */
  readonly components: readonly ComponentAttributes[];
  readonly number: number;
  /** Distinct size classes in the order tiny, small, medium, large. */
  readonly sizes: readonly SizeClass[];
  /** One word per component, in label order, repeats kept. */
  readonly locations: readonly LocationWord[];
  readonly bbox: BBox;
}

/** Size class of a coverage (§1.4): large, then medium, then tiny, else small; none at ≤ 0.0001. */
export function sizeClassOf(coverage: number): SizeClass | undefined {
  if (!(coverage > 0.0001)) return undefined;
  if (coverage > 0.3) return 'large';
  if (coverage > 0.08) return 'medium';
  if (coverage < 0.001) return 'tiny';
  return 'small';
}

/** The fixed grid bands with integer truncation: [0, ⌊n/3⌋), [⌊n/3⌋, ⌊2n/3⌋), [⌊2n/3⌋, n). */
function band(i: number, n: number): number {
  return i < Math.floor(n / 3) ? 0 : i < Math.floor((2 * n) / 3) ? 1 : 2;
}

function centreWord(rowCentre: number, colCentre: number, height: number, colExtent: number): LocationWord {
  const vertical = rowCentre < height / 3 ? 'top' : rowCentre <= (2 * height) / 3 ? 'center' : 'bottom';
  const horizontal = colCentre < colExtent / 3 ? 'left' : colCentre <= (2 * colExtent) / 3 ? 'center' : 'right';
  if (vertical === 'center') return horizontal;
  if (horizontal === 'center') return vertical;
  return `${vertical} ${horizontal}` as LocationWord;
}

/**
 * Box of the first 8-connected region (raster order) of the border image of the component,
 * computed in a one-pixel-margin window around it (outside which S_k is zero).
 */
function firstBorderRegionBox(mask: GrayImage, labels: Int32Array, component: Component): BBox {
  const { width, height } = mask;
  const x0 = Math.max(0, component.minX - 1);
  const y0 = Math.max(0, component.minY - 1);
  const x1 = Math.min(width, component.maxX + 2);
  const y1 = Math.min(height, component.maxY + 2);
  const w = x1 - x0;
  const h = y1 - y0;
  const local = new Uint8Array(w * h);
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = y * width + x;
      if (labels[i] === component.label) local[(y - y0) * w + (x - x0)] = mask.data[i]!;
    }
  }
  const border = new Uint8Array(w * h);
  markContourBorder(local, w, h, border);
  const start = border.indexOf(1);
  if (start < 0) {
    // No contour at level 128 (every pixel of the component is exactly 128): the reference's
    // regionprops list would be empty; fall back to the component's own box.
    return [component.minX, component.minY, component.maxX + 1, component.maxY + 1];
  }
  const region = labelComponents(border, w, h, 8).components[0]!;
  return [region.minX + x0, region.minY + y0, region.maxX + 1 + x0, region.maxY + 1 + y0];
}

/**
 * Overall bbox (§1.7): union of border-image regions (8-connected) whose box area is > 4.
 * Only the window around the foreground (grown by one pixel) can hold border pixels, so the
 * border image is built and labelled there; `window` defaults to the whole image.
 */
export function referenceBBox(mask: GrayImage, window?: { x0: number; y0: number; x1: number; y1: number }): BBox {
  const { width, height } = mask;
  const x0 = Math.max(0, (window?.x0 ?? 0) - 1), y0 = Math.max(0, (window?.y0 ?? 0) - 1);
  const x1 = Math.min(width, (window?.x1 ?? width) + 1), y1 = Math.min(height, (window?.y1 ?? height) + 1);
  const box: BBox = [width, height, 0, 0];
  if (x1 <= x0 || y1 <= y0) return box;
  const w = x1 - x0, h = y1 - y0;
  const local = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) local.set(mask.data.subarray((y + y0) * width + x0, (y + y0) * width + x1), y * w);
  const border = new Uint8Array(w * h);
  markContourBorder(local, w, h, border);
  for (const region of labelComponents(border, w, h, 8).components) {
    const rx1 = region.minX + x0, ry1 = region.minY + y0, rx2 = region.maxX + 1 + x0, ry2 = region.maxY + 1 + y0;
    if ((rx2 - rx1) * (ry2 - ry1) <= 4) continue;
    box[0] = Math.min(box[0], rx1);
    box[1] = Math.min(box[1], ry1);
    box[2] = Math.max(box[2], rx2);
    box[3] = Math.max(box[3], ry2);
  }
  return box;
}

/** Computes number, sizes, locations and bbox of a grey mask (foreground = value ≥ 128). */
export function computeMaskAttributes(mask: GrayImage, mode: CompatMode = 'medvlsm'): MaskAttributes {
  const { width, height, data } = mask;
  const area = width * height;
  const foreground = new Uint8Array(area);
  for (let i = 0; i < area; i++) if (data[i]! >= 128) foreground[i] = 1;
  const { labels, components } = labelComponents(foreground, width, height, 4);

  const colBand = new Uint8Array(width);
  for (let x = 0; x < width; x++) colBand[x] = band(x, width);
  // Per component: counted pixels (medvlsm: value exactly 255) in each of the 9 cells.
  const cells = new Float64Array(components.length * 9);
  const counted = new Float64Array(components.length);
  // Union box of all components: no labelled pixel lies outside it.
  let ux0 = width, uy0 = height, ux1 = 0, uy1 = 0;
  for (const c of components) {
    ux0 = Math.min(ux0, c.minX); uy0 = Math.min(uy0, c.minY);
    ux1 = Math.max(ux1, c.maxX + 1); uy1 = Math.max(uy1, c.maxY + 1);
  }
  for (let y = uy0; y < uy1; y++) {
    const rowBand = band(y, height) * 3;
    const row = y * width;
    for (let x = ux0; x < ux1; x++) {
      const label = labels[row + x]!;
      if (label === 0) continue;
      if (mode === 'medvlsm' && data[row + x] !== 255) continue;
      counted[label - 1]!++;
      cells[(label - 1) * 9 + rowBand + colBand[x]!]!++;
    }
  }

  const all: ComponentAttributes[] = components.map((component, k) => {
    const coverage = counted[k]! / area;
    const shares = Array.from({ length: 9 }, (_, c) => cells[k * 9 + c]! / counted[k]!);
    return { component, coverage, size: sizeClassOf(coverage), location: locate(component, shares) };
  });

  function locate(component: Component, shares: number[]): LocationWord {
    const nonZero = shares.map((s, c) => [s, c] as const).filter(([s]) => s !== 0);
    if (nonZero.length === 1) return GRID_WORDS[nonZero[0]![1]]!;
    const significant = nonZero.filter(([s]) => s >= 0.1);
    if (significant.length === 0) {
      // Only reachable with NaN shares (a component without exact-255 pixels): Python's sort by
      // a NaN key keeps grid order, so the reference answers "top left" (§1.3).
      if (nonZero.some(([s]) => Number.isNaN(s))) return GRID_WORDS[nonZero[0]![1]]!;
      let best = nonZero[0]!;
      for (const cell of nonZero) if (cell[0] < best[0]) best = cell;
      return GRID_WORDS[best[1]]!;
    }
    if (significant.length === 1) return GRID_WORDS[significant[0]![1]]!;
    if (mode === 'corrected') {
      const r = (component.minY + component.maxY + 1) / 2;
      const c = (component.minX + component.maxX + 1) / 2;
      return centreWord(r, c, height, width);
    }
    const [x1, y1, x2, y2] = firstBorderRegionBox(mask, labels, component);
    // Quirk (§1.5 step 7): the column centre is compared with the image height, not the width.
    return centreWord((y1 + y2) / 2, (x1 + x2) / 2, height, height);
  }

  const kept = mode === 'corrected' ? all.filter((c) => c.size !== undefined) : all;
  const present = new Set(kept.map((c) => c.size).filter((s): s is SizeClass => s !== undefined));
  let bbox: BBox;
  if (mode === 'medvlsm') {
    // Pixels above the contour level (> 128) all lie in components, so their union box (grown
    // by one pixel inside referenceBBox) holds every border pixel.
    bbox = referenceBBox(mask, { x0: ux0, y0: uy0, x1: ux1, y1: uy1 });
  } else {
    bbox = [width, height, 0, 0];
    for (const { component: c } of kept) {
      bbox = [Math.min(bbox[0], c.minX), Math.min(bbox[1], c.minY), Math.max(bbox[2], c.maxX + 1), Math.max(bbox[3], c.maxY + 1)];
    }
  }
  return {
    width,
    height,
    components: kept,
    number: kept.length,
    sizes: SIZE_ORDER.filter((s) => present.has(s)),
    locations: kept.map((c) => c.location),
    bbox,
  };
}

/** "tiny, small" — sizes joined with ", " (empty string when none, as the reference). */
export function renderSizes(sizes: readonly SizeClass[]): string {
  return sizes.join(', ');
}

/** "top left, right" — locations joined with ", " in component order, repeats kept. */
export function renderLocations(locations: readonly LocationWord[]): string {
  return locations.join(', ');
}
