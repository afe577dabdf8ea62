// Templates of the non-radiology families (endoscopy, ISIC, DFU), docs/prompts.md §3.1 and §1.8.
import { CLASS_NAMES, descriptionsOf, type NonRadiologyFamily } from './families.js';
import type { CompatMode } from './mask-attributes.js';
import { numberToWords } from './number-words.js';
import type { PromptSet } from './prompt-set.js';

export interface NonRadiologyValues {
  readonly number: number;
  /** Rendered sizes ("tiny, small"; "" when no component has a size). */
  readonly size: string;
  /** Rendered locations ("top left, right"). */
  readonly location: string;
  readonly shape: string;
  readonly color: string;
}

/** Joins words with single spaces, dropping empty ones (corrected mode only). */
const words = (...parts: string[]): string => parts.filter((p) => p.length > 0).join(' ');

export function nonRadiologyPrompts(family: NonRadiologyFamily, values: NonRadiologyValues, mode: CompatMode): PromptSet {
  return attributePrompts(CLASS_NAMES[family], descriptionsOf(family, mode), values, mode);
}

/**
 * The non-radiology grammar for any class and description list (the synthetic referring dataset
 * uses it with class "object").
 */
export function attributePrompts(names: { singular: string; plural: string }, descriptions: readonly string[], values: NonRadiologyValues, mode: CompatMode): PromptSet {
  const { singular, plural } = names;
  if (values.number === 0) {
    // The apparent rule behind BKAI's six "no polyp" entries (§1.8): every prompt is "no {class}".
    const none = `no ${singular}`;
    return {
      prompts: { p0: '', p1: none, p2: none, p3: none, p4: none, p5: none, p6: none, p7: [none], p8: [none], p9: [none] },
      attributes: { class: singular, number: numberToWords(0) },
    };
  }
  const number = numberToWords(values.number);
  const { size, location, shape, color } = values;
  let p1: string, p2: string, p3: string, p4: string, p5: string, p6: string;
  let p7: string[], p8: string[], p9: string[];
  if (mode === 'medvlsm') {
    // Shipped strings: lower case, class never pluralised, an empty size leaves a double space.
    p1 = singular;
    p2 = `${shape} ${singular}`;
    p3 = `${color} ${p2}`;
    p4 = `${size} ${p3}`;
    p5 = `${number} ${p4}`;
    p6 = `${p5}, located in ${location} of the image`;
    p7 = descriptions.map((d) => `${singular} which is ${d}`);
    p8 = descriptions.map((d) => `${p5} which is ${d}`);
    p9 = descriptions.map((d) => `${p5} which is ${d} located in ${location} of the image`);
  } else {
    const cls = values.number > 1 ? plural : singular;
    const which = values.number > 1 ? 'which are' : 'which is';
    p1 = singular;
    p2 = words(shape, singular);
    p3 = words(color, shape, singular);
    p4 = words(size, color, shape, singular);
    p5 = words(number, size, color, shape, cls);
    p6 = `${p5}, located in ${location} of the image`;
    p7 = descriptions.map((d) => `${singular} which is ${d}`);
    p8 = descriptions.map((d) => `${p5} ${which} ${d}`);
    p9 = descriptions.map((d) => `${p5} ${which} ${d}, located in ${location} of the image`);
  }
  return {
    prompts: { p0: '', p1, p2, p3, p4, p5, p6, p7, p8, p9 },
    attributes: { class: singular, number, size, location, shape, color },
  };
}
