// BKAI-IGH NeoPolyp: `train/<32-hex>.jpeg` with colour-coded `train_gt/<32-hex>.jpeg` (red =
// neoplastic, green = non-neoplastic; also the Kaggle nesting `train/train`, `train_gt/train_gt`).
// The reference's binarisation is not released (docs/prompts.md §6): read as grey, pure red is about
// 76 and would vanish. vlsm writes one binary polyp mask per image as PNG: a pixel is polyp when
// its red or green channel is ≥ 128 (JPEG noise stays below that on the black background), and
// records how many pixels of each class it saw.
import { join } from 'node:path';
import type { GrayImage } from '../../imaging/image-types.js';
import { readRgbImage } from '../../imaging/read-image.js';
import type { ImportPlan } from './import-common.js';
import { stemOf } from './import-common.js';
import { findPairs } from './paired-folders.js';

/** Binary polyp mask (0/255) from a colour-coded mask, with the pixel count of each class. */
export function bkaiPolypMask(rgb: { width: number; height: number; data: Uint8Array }): { mask: GrayImage; neoplastic: number; nonNeoplastic: number } {
  const n = rgb.width * rgb.height;
  const data = new Uint8Array(n);
  let neoplastic = 0, nonNeoplastic = 0;
  for (let i = 0; i < n; i++) {
    const r = rgb.data[3 * i]!, g = rgb.data[3 * i + 1]!;
    if (r >= 128 || g >= 128) {
      data[i] = 255;
      if (r >= g) neoplastic++;
      else nonNeoplastic++;
    }
  }
  return { mask: { width: rgb.width, height: rgb.height, data }, neoplastic, nonNeoplastic };
}

export async function planBkaiIgh(src: string): Promise<ImportPlan> {
  const files = await findPairs('BKAI-IGH NeoPolyp', src, [
    { images: 'train/train', masks: 'train_gt/train_gt' },
    { images: 'train', masks: 'train_gt' },
  ], 'train/ and train_gt/ (or train/train and train_gt/train_gt) with matching <32-hex>.jpeg files');
  const items = files.pairs.map(([image, mask]) => ({
    imgName: image,
    maskName: `${stemOf(image)}.png`,
    image: { copyFrom: join(files.imagesDir, image) },
    mask: { gray: async () => bkaiPolypMask(await readRgbImage(join(files.masksDir, mask))).mask },
  }));
  return { format: 'bkai-igh', items, ratios: { val: 0.1, test: 0.1 }, seed: 444 };
}
