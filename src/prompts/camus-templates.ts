// CAMUS templates, docs/prompts.md §3.3 and §4.2: every p1–p7 is [A "of the heart", B "in the cardiac
// ultrasound"]; metadata from the file stem and Info_{2CH,4CH}.cfg.
import { ConfigError } from '../errors.js';
import type { CompatMode } from './mask-attributes.js';
import { numberToWords } from './number-words.js';
import type { PromptSet } from './prompt-set.js';

/** Class names by label value 1, 2, 3 (mask_1, mask_2, mask_3). */
export const CAMUS_LABELS: Record<number, string> = { 1: 'Left ventricular cavity', 2: 'Myocardium', 3: 'Left atrium cavity' };

export interface CamusValues {
  /** Label value 1..3 (clamped, as the reference does). */
  readonly label: number;
  /** View token, "2CH" or "4CH". */
  readonly view: string;
  /** Phase token, "ED" or "ES". */
  readonly phase: string;
  /** cfg Sex, "F" or "M". */
  readonly sex: string;
  /** cfg Age, a string of digits. */
  readonly age: string;
  /** cfg ImageQuality, e.g. "Good". */
  readonly quality: string;
  readonly shape: string;
}

export function camusPrompts(values: CamusValues, mode: CompatMode, source = 'CAMUS entry'): PromptSet {
  const label = CAMUS_LABELS[Math.min(3, Math.max(1, Math.trunc(values.label)))]!;
  const chambers = values.view === '2CH' ? 'two' : 'four';
  const cycle = values.phase === 'ES' ? 'systole' : 'diastole';
  const sex = values.sex === 'F' ? 'female' : 'male';
  const ageNumber = Number.parseInt(values.age, 10);
  if (!Number.isInteger(ageNumber) || ageNumber < 0) throw new ConfigError(`${source}: age "${values.age}" is not a whole number of years`, undefined, 'age');
  const age = numberToWords(ageNumber);
  const quality = values.quality.toLowerCase();
  const end = mode === 'medvlsm' ? 'at end of the' : 'at the end of the';
  const both = (shapePart: string, tail: string): string[] => [
    `${label}${shapePart} in ${chambers}-chamber view of the heart${tail}.`,
    `${label}${shapePart} in ${chambers}-chamber view in the cardiac ultrasound${tail}.`,
  ];
  const t3 = ` ${end} ${cycle} cycle`;
  return {
    prompts: {
      p0: '',
      p1: [`${label} of the heart.`, `${label} in the cardiac ultrasound.`],
      p2: both('', ''),
      p3: both('', t3),
      p4: both('', `${t3} of a ${sex}`),
      p5: both('', `${t3} of a ${age}-year-old ${sex}`),
      p6: both('', `${t3} of a ${age}-year-old ${sex} with ${quality} image quality`),
      p7: both(` of ${values.shape} shape`, `${t3} of a ${age}-year-old ${sex} with ${quality} image quality`),
    },
    attributes: { class: label, view: chambers, cycle, sex, age, quality, shape: values.shape },
  };
}
