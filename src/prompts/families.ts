// Dataset families, their class names and general descriptions (docs/prompts.md §3.6, §3.8).
import { ConfigError } from '../errors.js';
import type { CompatMode } from './mask-attributes.js';

export const FAMILIES = ['endoscopy', 'isic', 'dfu', 'busi', 'camus', 'chexlocalize'] as const;
export type Family = (typeof FAMILIES)[number];
export type NonRadiologyFamily = 'endoscopy' | 'isic' | 'dfu';

export function parseFamily(value: string, field = '--family'): Family {
  if ((FAMILIES as readonly string[]).includes(value)) return value as Family;
  throw new ConfigError(`${field}: unknown family "${value}"; supported families: ${FAMILIES.join(', ')}`, undefined, field);
}

export function isNonRadiology(family: Family): family is NonRadiologyFamily {
  return family === 'endoscopy' || family === 'isic' || family === 'dfu';
}

/** Class strings of the non-radiology families (§3.8), singular and (corrected mode) plural. */
export const CLASS_NAMES: Record<NonRadiologyFamily, { singular: string; plural: string }> = {
  endoscopy: { singular: 'polyp', plural: 'polyps' },
  isic: { singular: 'skin melanoma', plural: 'skin melanomas' },
  dfu: { singular: 'foot ulcer', plural: 'foot ulcers' },
};

/** General descriptions verbatim as shipped, typos included, in list order (§3.6). */
const SHIPPED_DESCRIPTIONS: Record<NonRadiologyFamily, readonly string[]> = {
  endoscopy: [
    'a projecting growth of tissue',
    'often a bumpy flesh in rectum',
    'a small lump in the lining of colon',
    'a tissue growth that often resemble mushroom like stalks',
    'an abnormal growth of tissues projecting from a mucuos membrane',
  ],
  isic: [
    'a spot with dark speckles',
    'a spot with irregular texture',
    'a dark sore with irregular texture',
    'an irregular sore with speckles',
    'a rough wound on skin',
  ],
  dfu: [
    'a wound in foot and toes',
    'a sore in foot and toes',
    'a sore in skin of foot and toes',
    'an abnormailty in foot and toes',
    'an open sore or lesion in foot and toes',
  ],
};

/** Corrected descriptions: the paper's Table 9 spellings ("mucous", "mushroom-like", "abnormality"). */
const CORRECTED_DESCRIPTIONS: Record<NonRadiologyFamily, readonly string[]> = {
  endoscopy: [
    'a projecting growth of tissue',
    'often a bumpy flesh in rectum',
    'a small lump in the lining of colon',
    'a tissue growth that often resembles mushroom-like stalks',
    'an abnormal growth of tissues projecting from a mucous membrane',
  ],
  isic: SHIPPED_DESCRIPTIONS.isic,
  dfu: [
    'a wound in foot and toes',
    'a sore in foot and toes',
    'a sore in the skin of foot and toes',
    'an abnormality in foot and toes',
    'an open sore or lesion in foot and toes',
  ],
};

export function descriptionsOf(family: NonRadiologyFamily, mode: CompatMode): readonly string[] {
  return mode === 'medvlsm' ? SHIPPED_DESCRIPTIONS[family] : CORRECTED_DESCRIPTIONS[family];
}

/** Whether the family's entries carry a `bbox` (DFU and CAMUS entries do not, §1.7). */
export function hasBBox(family: Family): boolean {
  return family !== 'dfu' && family !== 'camus';
}
