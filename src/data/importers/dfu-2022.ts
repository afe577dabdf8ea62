// DFUC 2022: `DFUC2022_train_images/<100001–102000>.jpg` with `DFUC2022_train_masks/<id>.png`
// (possibly inside `DFUC2022_train_release/`). Splits 80/10/10 (the reference's `dfu-2022_80_10_10`).
import type { ImportPlan } from './import-common.js';
import { findPairs, pairedItems } from './paired-folders.js';

export async function planDfu2022(src: string): Promise<ImportPlan> {
  const files = await findPairs('DFU 2022', src, [
    { images: 'DFUC2022_train_images', masks: 'DFUC2022_train_masks' },
    { images: 'DFUC2022_train_release/DFUC2022_train_images', masks: 'DFUC2022_train_release/DFUC2022_train_masks' },
    { images: 'images', masks: 'masks' },
  ], 'DFUC2022_train_images/ and DFUC2022_train_masks/ with <id>.jpg and <id>.png');
  return { format: 'dfu-2022', items: pairedItems(files, true), ratios: { val: 0.1, test: 0.1 }, seed: 444 };
}
