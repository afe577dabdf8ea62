// BUSI templates, docs/prompts.md §3.4 and §4.1: lists [type-based, regularity-based], every string
// passed through Python's str.capitalize.
import type { CompatMode } from './mask-attributes.js';
import { capitalize, numberToWords } from './number-words.js';
import type { PromptSet } from './prompt-set.js';

export type BusiType = 'benign' | 'malignant' | 'normal';

export const BUSI_SUFFIX = ' in the breast ultrasound image.';
export const BUSI_NORMAL_PROMPT = 'No tumor in the breast ultrasound image.';

/** The tumour type from an image stem: its last "_" token; anything but benign/normal is malignant. */
export function busiTypeOf(stem: string): BusiType {
  const token = stem.slice(stem.lastIndexOf('_') + 1);
  return token === 'normal' ? 'normal' : token === 'benign' ? 'benign' : 'malignant';
}

export interface BusiValues {
  readonly type: BusiType;
  readonly number: number;
  readonly size: string;
  readonly location: string;
  readonly shape: string;
}

export function busiPrompts(values: BusiValues, mode: CompatMode): PromptSet {
  const { type, number, size, location, shape } = values;
  if (type === 'normal' || (mode === 'corrected' && number === 0)) {
    const p = BUSI_NORMAL_PROMPT;
    return { prompts: { p0: '', p1: p, p2: p, p3: p, p4: p, p5: p, p6: p }, attributes: { type: 'normal' } };
  }
  const regularity = type === 'benign' ? 'regular' : 'irregular';
  // n = 1 is the literal "One"; n > 1 is num2words, capitalised with the rest of the string.
  const num = number === 1 ? 'One' : numberToWords(number);
  const tumor = number > 1 ? 'tumors' : 'tumor';
  const S = BUSI_SUFFIX;
  const sized = (rest: string): string => (mode === 'corrected' && size === '' ? rest : `${size} ${rest}`);
  const pair = (a: string, b: string): string[] => [capitalize(a + S), capitalize(b + S)];
  return {
    prompts: {
      p0: '',
      p1: capitalize(`tumor${S}`),
      p2: pair(`${type} tumor`, `${regularity}-shaped tumor`),
      p3: pair(`${num} ${type} ${tumor}`, `${num} ${regularity}-shaped ${tumor}`),
      p4: pair(`${num} ${sized(`${type} ${tumor}`)}`, `${num} ${sized(`${regularity}-shaped ${tumor}`)}`),
      p5: pair(`${num} ${sized(`${type} ${tumor}`)} at the ${location}`, `${num} ${sized(`${regularity}-shaped ${tumor}`)} at the ${location}`),
      // In p6's second element the regularity word carries no "-shaped" (§3.4).
      p6: pair(`${num} ${sized(`${shape}-shaped ${type} ${tumor}`)} at the ${location}`, `${num} ${sized(`${shape}-shaped ${regularity} ${tumor}`)} at the ${location}`),
    },
    attributes: { type, regularity, number: capitalize(num), size, location, shape },
  };
}
