// CVC-ClinicDB: Kaggle `PNG/{Original,Ground Truth}/<n>.png`, or the TIFF release
// `TIF/{Original,Ground Truth}/<n>.tif` (converted to PNG). Splits 80/10/10, seed 444.
import type { ImportPlan } from './import-common.js';
import { findPairs, pairedItems } from './paired-folders.js';

export async function planCvcClinicDb(src: string): Promise<ImportPlan> {
  const files = await findPairs('CVC-ClinicDB', src, [
    { images: 'PNG/Original', masks: 'PNG/Ground Truth' },
    { images: 'TIF/Original', masks: 'TIF/Ground Truth' },
    { images: 'Original', masks: 'Ground Truth' },
    { images: 'CVC-ClinicDB/PNG/Original', masks: 'CVC-ClinicDB/PNG/Ground Truth' },
    { images: 'images', masks: 'masks' },
  ], 'PNG/Original and PNG/Ground Truth (or Original and Ground Truth) with matching <n>.png or <n>.tif files');
  return { format: 'cvc-clinicdb', items: pairedItems(files, false), ratios: { val: 0.1, test: 0.1 }, seed: 444 };
}
