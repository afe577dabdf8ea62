// ISIC 2016 Part 1: `ISBI2016_ISIC_Part1_{Training,Test}_Data/ISIC_<7 digits>.jpg` with
// `…_GroundTruth/ISIC_<7 digits>_Segmentation.png`. The official test set is the test split; the
// official training set is split 90/10 into train/val (the reference's `isic_90_10_d`).
import type { ImportItem, ImportPlan } from './import-common.js';
import { isDirectory, notThisRelease } from './import-common.js';
import { join } from 'node:path';
import { findPairs, pairedItems } from './paired-folders.js';

const expected = 'ISBI2016_ISIC_Part1_Training_Data/ and ISBI2016_ISIC_Part1_Training_GroundTruth/ (and optionally the Test_ pair) with ISIC_<id>.jpg and ISIC_<id>_Segmentation.png';

export async function planIsic2016(src: string): Promise<ImportPlan> {
  const items: ImportItem[] = [];
  for (const [part, split] of [['Training', undefined], ['Test', 'test']] as const) {
    const images = `ISBI2016_ISIC_Part1_${part}_Data`;
    if (!(await isDirectory(join(src, images)))) continue;
    const files = await findPairs('ISIC 2016', src, [{ images, masks: `ISBI2016_ISIC_Part1_${part}_GroundTruth`, maskStem: (s) => `${s}_Segmentation` }], expected);
    items.push(...pairedItems(files, true, () => (split === undefined ? {} : { split })));
  }
  if (items.length === 0) throw notThisRelease('ISIC 2016', src, expected);
  const hasTest = items.some((i) => i.split === 'test');
  return { format: 'isic-2016', items, ratios: hasTest ? { val: 0.1, test: 0 } : { val: 0.1, test: 0.1 }, seed: 444 };
}
