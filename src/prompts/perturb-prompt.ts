// Attribute perturbation for the robustness study (paper §4, Figure 3): one attribute's value
// in a prompt is replaced by (a) a random uncommon English word or (b) another value of the same
// attribute, "semantically wrong or opposite" (small ↔ large, top ↔ bottom, left ↔ right,
// one ↔ two; another shape, colour or class drawn from the values the dataset itself uses when
// they are given, else from the vocabulary of every family). Deterministic by seed.
import type { AnnotationEntry } from '../data/annotation-file.js';
import { createRandom, type SeededRandom } from '../data/seeded-random.js';
import { ConfigError } from '../errors.js';
import { COLOR_WORDS, SHAPE_WORDS } from './geometry-estimator.js';
import { FAMILIES } from './families.js';
import { numberToWords } from './number-words.js';
import type { RenderedAttributes } from './prompt-set.js';
import { UNCOMMON_WORDS } from './uncommon-words.js';

export type PerturbMode = 'random-word' | 'opposite';
export const PERTURB_MODES: readonly PerturbMode[] = ['random-word', 'opposite'];

export interface Perturbation {
  readonly prompt: string;
  readonly attribute: string;
  readonly mode: PerturbMode;
  /** The value as it appeared in the prompt. */
  readonly from: string;
  /** What replaced it. */
  readonly to: string;
}

const SIZE_OPPOSITE: Record<string, string> = { tiny: 'large', small: 'large', medium: 'tiny', large: 'small' };
const DIRECTION_OPPOSITE: Record<string, string> = { top: 'bottom', bottom: 'top', left: 'right', right: 'left' };
const PAIRS: Record<string, Record<string, string>> = {
  type: { benign: 'malignant', malignant: 'benign' },
  regularity: { regular: 'irregular', irregular: 'regular' },
  view: { frontal: 'lateral', lateral: 'frontal', two: 'four', four: 'two' },
  cycle: { systole: 'diastole', diastole: 'systole' },
  sex: { female: 'male', male: 'female' },
  quality: { good: 'poor', poor: 'good', medium: 'poor' },
};
const WORD_NUMBERS = Array.from({ length: 100 }, (_, n) => numberToWords(n));

const ALL_SHAPES = [...new Set(FAMILIES.flatMap((f) => Object.values(SHAPE_WORDS[f])))];
const ALL_COLORS = [...new Set(FAMILIES.flatMap((f) => COLOR_WORDS[f]))];

function otherFrom(values: readonly string[], current: string, rng: SeededRandom, attribute: string): string {
  const choices = [...new Set(values.map((v) => v.toLowerCase()))].filter((v) => v !== current.toLowerCase());
  if (choices.length === 0) throw new ConfigError(`perturb: the dataset has no other ${attribute} than "${current}" to replace it with`, undefined, 'attribute');
  return rng.choice(choices);
}

/**
 * The values of `attribute` the entries use (their `attributes` objects), sorted: the set an
 * "opposite" shape, colour or class is drawn from.
 */
export function datasetAttributeValues(entries: readonly AnnotationEntry[], attribute: string): string[] {
  const values = new Set<string>();
  for (const entry of entries) {
    const v = (entry['attributes'] as RenderedAttributes | undefined)?.[attribute];
    if (typeof v === 'string' && v !== '') values.add(v.toLowerCase());
  }
  return [...values].sort();
}

/**
 * The opposite or another value of `attribute` for `value` (lower case). `datasetValues`, when
 * given, is the dataset's own value set for shape, colour, class and attributes without a fixed
 * opposite.
 */
export function oppositeValue(attribute: string, value: string, rng: SeededRandom, datasetValues?: readonly string[]): string {
  const v = value.toLowerCase();
  switch (attribute) {
    case 'size':
      return v.split(', ').map((s) => SIZE_OPPOSITE[s] ?? 'large').join(', ');
    case 'location':
      return v.split(', ').map((item) => {
        if (item === 'center') return rng.choice(['top left', 'top right', 'bottom left', 'bottom right']);
        return item.split(' ').map((w) => DIRECTION_OPPOSITE[w] ?? w).join(' ');
      }).join(', ');
    case 'number': {
      const n = WORD_NUMBERS.indexOf(v);
      return n === 1 ? 'two' : 'one';
    }
    case 'age': {
      const n = WORD_NUMBERS.indexOf(v);
      return numberToWords(n >= 0 && n < 50 ? n + 40 : Math.max(1, n - 40));
    }
    case 'shape':
      return otherFrom(datasetValues ?? ALL_SHAPES, v, rng, attribute);
    case 'color':
      return otherFrom(datasetValues ?? ALL_COLORS, v, rng, attribute);
    default: {
      const pair = PAIRS[attribute]?.[v];
      if (pair === undefined && datasetValues !== undefined) return otherFrom(datasetValues, v, rng, attribute);
      if (pair === undefined) throw new ConfigError(`perturb: no opposite value is defined for attribute "${attribute}" = "${value}"; perturbable attributes: size, location, number, age, shape, color, ${Object.keys(PAIRS).join(', ')}`, undefined, 'attribute');
      return pair;
    }
  }
}

function matchCase(original: string, replacement: string): string {
  return original[0] !== undefined && original[0] !== original[0].toLowerCase() ? replacement[0]!.toUpperCase() + replacement.slice(1) : replacement;
}

/**
 * Replaces the value of `attribute` (as rendered, from the entry's `attributes`) in `prompt`.
 * Every occurrence is replaced (a value appears at most once per prompt in the templates, but
 * p9-style lists repeat it). Throws when the prompt does not contain the value.
 */
export function perturbPrompt(prompt: string, attributes: RenderedAttributes, attribute: string, mode: PerturbMode, seed: number | string, datasetValues?: readonly string[]): Perturbation {
  const value = attributes[attribute];
  if (value === undefined || value === '') {
    throw new ConfigError(`perturb: the entry has no value for attribute "${attribute}"; it has ${Object.keys(attributes).join(', ')}`, undefined, 'attribute');
  }
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`(?<![\\w-])${escaped}(?![\\w])`, 'gi');
  const found = prompt.match(pattern);
  if (found === null) throw new ConfigError(`perturb: prompt ${JSON.stringify(prompt)} does not contain ${attribute} "${value}"`, undefined, 'attribute');
  const rng = createRandom(`${String(seed)}\u0000${attribute}\u0000${mode}\u0000${prompt}`);
  const to = mode === 'random-word' ? rng.choice(UNCOMMON_WORDS) : oppositeValue(attribute, value, rng, datasetValues);
  return { prompt: prompt.replace(pattern, (hit) => matchCase(hit, to)), attribute, mode, from: found[0]!, to };
}
