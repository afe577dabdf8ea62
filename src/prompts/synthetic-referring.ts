// The synthetic referring dataset (`vlsm data synth`): each image holds several objects on a
// textured background that differ in colour, shape, size and location; the mask is one target
// object; prompts P0–P9 describe the target in the non-radiology grammar with class "object".
// Every object has its own shape and colour, so P2 and above name exactly one object, while P1
// ("object") names none in particular: only the prompt tells which object to segment. It is the
// bundled default data for demos and tests, and a probe of whether a model uses language.
import { join } from 'node:path';
import type { GrayImage, RgbImage } from '../imaging/image-types.js';
import { writeGrayPng, writeRgbPng } from '../imaging/write-image.js';
import { COLOR_REFERENCES } from './geometry-estimator.js';
import { computeMaskAttributes, renderLocations, renderSizes } from './mask-attributes.js';
import { attributePrompts } from './non-radiology-templates.js';
import { ConfigError } from '../errors.js';
import { writeAnnotationFile, type AnnotationEntry } from '../data/annotation-file.js';
import { mapLimit } from '../data/map-limit.js';
import { SPLITS, type Split } from '../data/record.js';
import { createRandom, type SeededRandom } from '../data/seeded-random.js';
import { splitIds } from '../data/splits.js';

export const SYNTH_SHAPES = ['circle', 'oval', 'square', 'rectangle', 'triangle'] as const;
export const SYNTH_COLORS = ['red', 'green', 'blue', 'yellow', 'white', 'black', 'purple', 'orange', 'pink', 'brown'] as const;
export const SYNTH_DESCRIPTIONS: readonly string[] = [
  'a flat figure painted in one colour',
  'a single solid shape among others',
  'a figure lying on a textured background',
  'an object with a clear outline',
  'a plain shape that stands out from the background',
];

export interface SynthOptions {
  readonly n: number;
  readonly seed: number;
  /** Image side in pixels (default 256). */
  readonly size?: number;
  /** Objects per image, inclusive range (default [3, 5]; at most 5, one per shape). */
  readonly objects?: readonly [number, number];
}

export interface SynthObject {
  readonly shape: (typeof SYNTH_SHAPES)[number];
  readonly color: (typeof SYNTH_COLORS)[number];
  /** Centre and radius-like extent in pixels. */
  readonly cx: number;
  readonly cy: number;
  readonly radius: number;
}

export interface SynthSample {
  readonly image: RgbImage;
  readonly mask: GrayImage;
  readonly objects: readonly SynthObject[];
  readonly target: number;
}

function inside(o: SynthObject, x: number, y: number): boolean {
  const dx = x + 0.5 - o.cx, dy = y + 0.5 - o.cy, r = o.radius;
  switch (o.shape) {
    case 'circle': return dx * dx + dy * dy <= r * r;
    case 'oval': return (dx * dx) / (r * r) + (dy * dy) / (0.25 * r * r) <= 1;
    case 'square': return Math.abs(dx) <= r * 0.85 && Math.abs(dy) <= r * 0.85;
    case 'rectangle': return Math.abs(dx) <= r && Math.abs(dy) <= r * 0.45;
    case 'triangle': {
      // Upright triangle with apex at (0, −r) and base at y = r·0.6.
      if (dy < -r || dy > 0.6 * r) return false;
      const half = ((dy + r) / (1.6 * r)) * r;
      return Math.abs(dx) <= half;
    }
  }
}

/** Draws one sample; the same (seed, index, size) always gives the same pixels. */
export function drawSynthSample(rng: SeededRandom, size: number, objectRange: readonly [number, number]): SynthSample {
  const count = objectRange[0] + rng.int(objectRange[1] - objectRange[0] + 1);
  const shapes = rng.shuffle(SYNTH_SHAPES).slice(0, count);
  const colors = rng.shuffle(SYNTH_COLORS).slice(0, count);
  const cells = rng.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8]).slice(0, count);
  const cell = size / 3;
  const objects: SynthObject[] = shapes.map((shape, i) => {
    // Each object starts inside its own grid cell (a "small" object).
    const radius = cell * (0.18 + 0.25 * rng.next());
    const c = cells[i]!;
    const cx = (c % 3) * cell + cell / 2 + (rng.next() - 0.5) * (cell - 2 * radius) * 0.5;
    const cy = Math.floor(c / 3) * cell + cell / 2 + (rng.next() - 0.5) * (cell - 2 * radius) * 0.5;
    return { shape, color: colors[i]!, cx, cy, radius };
  });
  // The target, then (half the time the target itself) one object that grows into neighbouring
  // cells when nothing is there, so targets are "small" or "medium".
  const chosen = rng.int(count);
  const grow = rng.next() < 0.5 ? chosen : rng.int(count);
  const g = objects[grow]!;
  const clear = objects.every((o, i) => i === grow || Math.hypot(o.cx - g.cx, o.cy - g.cy) > o.radius + cell * 1.2);
  if (clear) objects[grow] = { ...g, radius: cell * (0.8 + 0.3 * rng.next()) };

  const image = new Uint8Array(size * size * 3);
  const owner = new Int8Array(size * size).fill(-1);
  const phase = rng.next() * Math.PI * 2, fx = 0.05 + rng.next() * 0.2, fy = 0.05 + rng.next() * 0.2;
  const base = 90 + rng.int(60);
  const tint = [rng.int(30) - 15, rng.int(30) - 15, rng.int(30) - 15];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      let hit = -1;
      for (let k = objects.length - 1; k >= 0; k--) if (inside(objects[k]!, x, y)) { hit = k; break; }
      owner[i] = hit;
      const noise = rng.int(21) - 10;
      for (let ch = 0; ch < 3; ch++) {
        let v: number;
        if (hit >= 0) v = COLOR_REFERENCES[objects[hit]!.color]![ch]! + (rng.int(13) - 6);
        else v = base + tint[ch]! + 25 * Math.sin(x * fx + y * fy + phase) + noise;
        image[3 * i + ch] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  // Objects do not overlap, so the target owns pixels; guard anyway.
  const target = owner.includes(chosen) ? chosen : owner.find((k) => k >= 0)!;
  const mask = new Uint8Array(size * size);
  for (let i = 0; i < mask.length; i++) if (owner[i] === target) mask[i] = 255;
  return { image: { width: size, height: size, data: image }, mask: { width: size, height: size, data: mask }, objects, target };
}

/** Writes `<out>/{images,masks,anns}` with N samples, splits 80/10/10; returns the split counts. */
export async function writeSyntheticDataset(out: string, options: SynthOptions): Promise<Record<Split, number>> {
  const { n, seed } = options;
  const size = options.size ?? 256;
  const range = options.objects ?? [3, 5];
  if (!(Number.isInteger(n) && n > 0)) throw new ConfigError(`synth: --n must be a positive integer, got ${n}`, undefined, 'n');
  if (!(Number.isInteger(size) && size >= 48)) throw new ConfigError(`synth: --size must be an integer ≥ 48, got ${size}`, undefined, 'size');
  if (!(range[0] >= 2 && range[1] <= 5 && range[0] <= range[1])) throw new ConfigError(`synth: objects per image must be within 2..5, got ${range[0]}..${range[1]}`, undefined, 'objects');
  const names = Array.from({ length: n }, (_, i) => `synth_${String(i).padStart(5, '0')}.png`);
  const splits = splitIds(names, { val: 0.1, test: 0.1 }, seed);
  const entries = await mapLimit(names, 8, async (name, i) => {
    const sample = drawSynthSample(createRandom(`${seed}\u0000${i}`), size, range);
    await writeRgbPng(join(out, 'images', name), sample.image);
    await writeGrayPng(join(out, 'masks', name), sample.mask);
    const attrs = computeMaskAttributes(sample.mask, 'medvlsm');
    const target = sample.objects[sample.target]!;
    const { prompts, attributes } = attributePrompts({ singular: 'object', plural: 'objects' }, SYNTH_DESCRIPTIONS, {
      number: attrs.number, size: renderSizes(attrs.sizes), location: renderLocations(attrs.locations), shape: target.shape, color: target.color,
    }, 'medvlsm');
    const entry: AnnotationEntry = {
      bbox: attrs.bbox,
      cat: 0,
      segment_id: name.slice(0, -4),
      img_name: name,
      mask_name: name,
      sentences: [{ idx: 0, sent_id: i, sent: '' }],
      sentences_num: 1,
      prompts,
      attributes,
      metadata: { target: sample.target, objects: sample.objects.map((o) => ({ shape: o.shape, color: o.color })) },
    };
    return entry;
  });
  const counts: Record<Split, number> = { train: 0, val: 0, test: 0 };
  for (const split of SPLITS) {
    const list = entries.filter((e) => splits.get(e.img_name) === split);
    counts[split] = list.length;
    await writeAnnotationFile(join(out, 'anns', `${split}.json`), list);
  }
  return counts;
}
