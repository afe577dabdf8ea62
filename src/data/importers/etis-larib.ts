// ETIS-LaribPolypDB: the original release `ETIS-LaribPolypDB/<n>.tif` + `GroundTruth/p<n>.tif`,
// or the PraNet `TestDataset/ETIS-LaribPolypDB/{images,masks}`. Test only (paper: 0/0/196).
import type { ImportPlan } from './import-common.js';
import { findPairs, pairedItems, pranetLayouts } from './paired-folders.js';

export async function planEtisLarib(src: string): Promise<ImportPlan> {
  const files = await findPairs('ETIS-LaribPolypDB', src, [
    ...pranetLayouts('ETIS-LaribPolypDB'),
    { images: 'ETIS-LaribPolypDB', masks: 'GroundTruth', maskStem: (s) => `p${s}` },
    { images: 'ETIS-LaribPolypDB/ETIS-LaribPolypDB', masks: 'ETIS-LaribPolypDB/GroundTruth', maskStem: (s) => `p${s}` },
  ], 'ETIS-LaribPolypDB/<n>.tif with GroundTruth/p<n>.tif, or TestDataset/ETIS-LaribPolypDB/{images,masks}');
  return { format: 'etis-larib', items: pairedItems(files, false, () => ({ split: 'test' })), ratios: { val: 0, test: 1 }, seed: 444 };
}
