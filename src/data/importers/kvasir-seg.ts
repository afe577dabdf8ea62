// Kvasir-SEG: `Kvasir-SEG/{images,masks}/<id>.jpg` (JPEG masks, copied as they are: the
// reference computed its prompts on them). Splits 80/10/10, reference seed 444.
import type { ImportPlan } from './import-common.js';
import { findPairs, pairedItems } from './paired-folders.js';

export async function planKvasirSeg(src: string): Promise<ImportPlan> {
  const files = await findPairs('Kvasir-SEG', src, [
    { images: 'images', masks: 'masks' },
    { images: 'Kvasir-SEG/images', masks: 'Kvasir-SEG/masks' },
  ], 'images/ and masks/ (or Kvasir-SEG/images and Kvasir-SEG/masks) with matching <id>.jpg files');
  return { format: 'kvasir-seg', items: pairedItems(files, false), ratios: { val: 0.1, test: 0.1 }, seed: 444 };
}
