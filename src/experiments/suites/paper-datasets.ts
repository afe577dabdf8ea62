// The paper's datasets by their reference folder names, with their prompt family, and each
// family's own prompt set (docs/training.md §4: P0–P9 non-radiology, CAMUS P0–P7, BUSI and
// CheXlocalize P0–P6).
import type { SuiteDatasetInfo } from './types.js';

type Family = SuiteDatasetInfo['family'];

export const PAPER_DATASETS: Readonly<Record<string, Family>> = {
  kvasir_polyp: 'endoscopy',
  clinicdb_polyp: 'endoscopy',
  bkai_polyp: 'endoscopy',
  cvc300_polyp: 'endoscopy',
  colondb_polyp: 'endoscopy',
  etis_polyp: 'endoscopy',
  isic: 'isic',
  dfu: 'dfu',
  camus: 'camus',
  busi: 'busi',
  chexlocalize: 'chexlocalize',
};

const range = (n: number): string[] => Array.from({ length: n }, (_, i) => `p${i}`);

export const FAMILY_PROMPTS: Readonly<Record<Family, readonly string[]>> = {
  endoscopy: range(10),
  isic: range(10),
  dfu: range(10),
  camus: range(8),
  busi: range(7),
  chexlocalize: range(7),
};
