// Deterministic shape and colour naming. The reference asked OFA (a VQA model) "What is the shape
// of … enclosed in green box?"; vlsm names the shape from the mask's geometry and the colour from
// the image's pixels inside the mask, choosing among the words the reference produced for that
// family (docs/prompts.md §2.4).
import type { GrayImage, RgbImage } from '../imaging/image-types.js';
import { labelComponents } from './connected-components.js';
import type { Family } from './families.js';
import { shapeFeatures, type ShapeFeatures } from './shape-features.js';

export type ShapeCategory = 'circle' | 'oval' | 'square' | 'rectangle' | 'triangle' | 'irregular';

/** How each family words each category: its most frequent reference answer of that kind. */
export const SHAPE_WORDS: Record<Family, Record<ShapeCategory, string>> = {
  endoscopy: { circle: 'round', oval: 'oval', square: 'square', rectangle: 'rectangle', triangle: 'triangular', irregular: 'kidney' },
  isic: { circle: 'circle', oval: 'oval', square: 'square', rectangle: 'rectangle', triangle: 'triangle', irregular: 'heart' },
  dfu: { circle: 'circle', oval: 'oval', square: 'square', rectangle: 'rectangle', triangle: 'triangle', irregular: 'heart' },
  busi: { circle: 'circle', oval: 'oval', square: 'square', rectangle: 'rectangle', triangle: 'triangle', irregular: 'star' },
  camus: { circle: 'circle', oval: 'oval', square: 'square', rectangle: 'rectangle', triangle: 'triangle', irregular: 'triangular' },
  chexlocalize: { circle: 'round', oval: 'oval', square: 'square', rectangle: 'rectangle', triangle: 'triangle', irregular: 'rectangular' },
};

/** Colour vocabulary per family (every colour the reference produced, §2.4; none for radiology). */
export const COLOR_WORDS: Record<Family, readonly string[]> = {
  endoscopy: ['white', 'yellow', 'brown', 'pink', 'orange', 'tan', 'red', 'black', 'gray', 'peach', 'purple', 'green', 'silver'],
  isic: ['brown', 'red', 'white', 'pink', 'orange', 'blue', 'yellow', 'purple', 'black', 'green', 'tan'],
  dfu: ['pink', 'brown', 'red', 'white', 'yellow', 'tan', 'orange', 'black', 'green', 'blue', 'purple', 'gray', 'gold', 'silver', 'peach'],
  busi: [],
  camus: [],
  chexlocalize: [],
};

/** Reference sRGB of each colour word (CSS/X11 values; "tan" and "peach" per X11/Crayola). */
export const COLOR_REFERENCES: Record<string, readonly [number, number, number]> = {
  white: [245, 245, 245], black: [20, 20, 20], gray: [128, 128, 128], silver: [192, 192, 192],
  red: [200, 30, 30], pink: [235, 150, 165], orange: [240, 140, 30], peach: [255, 205, 165],
  yellow: [235, 215, 60], gold: [212, 175, 55], tan: [210, 180, 140], brown: [130, 80, 45],
  green: [40, 150, 60], blue: [40, 80, 200], purple: [125, 50, 150],
};

/** Category from features: rectangles by extent, triangles by extent and convexity, round by circularity and elongation. */
export function shapeCategoryOf(f: ShapeFeatures): ShapeCategory {
  if (f.convexity < 0.8) return 'irregular';
  if (f.extent >= 0.88) return f.elongation < 1.25 ? 'square' : 'rectangle';
  // Pixel staircases add hull corners, so triangles are told by extent (½ for a triangle, π/4
  // for an ellipse) together with convexity.
  if (f.extent < 0.62 && f.convexity >= 0.9) return 'triangle';
  if (f.elongation < 1.25 && f.circularity >= 0.8) return 'circle';
  if (f.elongation >= 1.25) return 'oval';
  return f.circularity >= 0.7 ? 'circle' : 'irregular';
}

/** The largest 4-connected component of the mask's foreground (value ≥ 128), as 0/1. */
function largestComponent(mask: GrayImage): Uint8Array {
  const fg = new Uint8Array(mask.data.length);
  for (let i = 0; i < fg.length; i++) fg[i] = mask.data[i]! >= 128 ? 1 : 0;
  const { labels, components } = labelComponents(fg, mask.width, mask.height, 4);
  if (components.length <= 1) return fg;
  let best = components[0]!;
  for (const c of components) if (c.pixelCount > best.pixelCount) best = c;
  for (let i = 0; i < fg.length; i++) fg[i] = labels[i] === best.label ? 1 : 0;
  return fg;
}

/** The family's shape word for the mask's largest component; undefined for an empty mask. */
export function estimateShape(mask: GrayImage, family: Family): string | undefined {
  const f = shapeFeatures(largestComponent(mask), mask.width, mask.height);
  return f === undefined ? undefined : SHAPE_WORDS[family][shapeCategoryOf(f)];
}

function srgbToLinear(c: number): number {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

/** sRGB (0..255) to CIELAB (D65). */
export function rgbToLab(r: number, g: number, b: number): [number, number, number] {
  const R = srgbToLinear(r), G = srgbToLinear(g), B = srgbToLinear(b);
  const x = (0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047;
  const y = 0.2126729 * R + 0.7151522 * G + 0.072175 * B;
  const z = (0.0193339 * R + 0.119192 * G + 0.9503041 * B) / 1.08883;
  const f = (t: number): number => (t > 216 / 24389 ? Math.cbrt(t) : (841 / 108) * t + 4 / 29);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/** The colour word (among `vocabulary`) nearest in CIELAB to the median colour inside the mask. */
export function estimateColor(image: RgbImage, mask: GrayImage, vocabulary: readonly string[]): string | undefined {
  if (vocabulary.length === 0) return undefined;
  const hist = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)];
  let count = 0;
  const sameSize = image.width === mask.width && image.height === mask.height;
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      if (mask.data[y * mask.width + x]! < 128) continue;
      // Masks of another size are mapped onto the image by nearest neighbour.
      const ix = sameSize ? x : Math.min(image.width - 1, Math.floor(((x + 0.5) * image.width) / mask.width));
      const iy = sameSize ? y : Math.min(image.height - 1, Math.floor(((y + 0.5) * image.height) / mask.height));
      const o = 3 * (iy * image.width + ix);
      hist[0]![image.data[o]!]!++;
      hist[1]![image.data[o + 1]!]!++;
      hist[2]![image.data[o + 2]!]!++;
      count++;
    }
  }
  if (count === 0) return undefined;
  const median = hist.map((h) => {
    let acc = 0;
    for (let v = 0; v < 256; v++) {
      acc += h[v]!;
      if (acc * 2 >= count) return v;
    }
    return 255;
  });
  const lab = rgbToLab(median[0]!, median[1]!, median[2]!);
  let best = vocabulary[0]!;
  let bestDistance = Infinity;
  for (const word of vocabulary) {
    const ref = COLOR_REFERENCES[word];
    if (ref === undefined) continue;
    const [L, a, b] = rgbToLab(ref[0], ref[1], ref[2]);
    const d = (L - lab[0]) ** 2 + (a - lab[1]) ** 2 + (b - lab[2]) ** 2;
    if (d < bestDistance) {
      bestDistance = d;
      best = word;
    }
  }
  return best;
}
