// BUSI (Kaggle): `Dataset_BUSI_with_GT/<class>/"<class> (N).png"` with `"<class> (N)_mask.png"`
// and, for some images, `_mask_1.png`, `_mask_2.png`. Written as `N_<class>.png` in images/ and
// masks/ (the reference's names). Several masks of one image are merged by union (the reference's
// merge is not released); normal images keep their empty masks. Splits per class, seed 42,
// val 0.1 and test 0.1 rounded (§5).
import { join } from 'node:path';
import { DatasetError } from '../../errors.js';
import type { GrayImage } from '../../imaging/image-types.js';
import { readGrayImage, readImageSize } from '../../imaging/read-image.js';
import type { ImportItem, ImportPlan } from './import-common.js';
import { firstDir, listFiles, notThisRelease } from './import-common.js';

const CLASSES = ['benign', 'malignant', 'normal'] as const;

/** Union of several 0/255 masks (foreground = value ≥ 128), all of the image's size. */
export async function mergeMasks(paths: readonly string[], width: number, height: number, imagePath: string): Promise<GrayImage> {
  const data = new Uint8Array(width * height);
  for (const path of paths) {
    const mask = await readGrayImage(path);
    if (mask.width !== width || mask.height !== height) {
      throw new DatasetError(`${path}: mask is ${mask.width}×${mask.height} but image ${imagePath} is ${width}×${height}`, path);
    }
    for (let i = 0; i < data.length; i++) if (mask.data[i]! >= 128) data[i] = 255;
  }
  return { width, height, data };
}

export async function planBusi(src: string): Promise<ImportPlan> {
  const root = await firstDir(src, ['Dataset_BUSI_with_GT', '.']);
  const items: ImportItem[] = [];
  for (const cls of CLASSES) {
    const dir = root === undefined ? undefined : await firstDir(root, [cls]);
    if (dir === undefined) continue;
    const files = await listFiles(dir);
    const imagePattern = new RegExp(`^${cls} \\((\\d+)\\)\\.png$`);
    for (const file of files) {
      const match = imagePattern.exec(file);
      if (match === null) continue;
      const stem = file.slice(0, -'.png'.length);
      const maskFiles = files.filter((f) => f === `${stem}_mask.png` || new RegExp(`^${stem.replace(/[()]/g, '\\$&')}_mask_\\d+\\.png$`).test(f));
      const imagePath = join(dir, file);
      const name = `${match[1]}_${cls}.png`;
      items.push({
        imgName: name,
        maskName: name,
        image: { copyFrom: imagePath },
        mask: {
          gray: async () => {
            const { width, height } = await readImageSize(imagePath);
            return mergeMasks(maskFiles.map((m) => join(dir, m)), width, height, imagePath);
          },
        },
        stratum: cls,
        metadata: { type: cls, sourceMasks: maskFiles.length },
      });
    }
  }
  if (items.length === 0) {
    throw notThisRelease('BUSI', src, 'benign/, malignant/ and normal/ folders (optionally inside Dataset_BUSI_with_GT/) holding "<class> (N).png" with "<class> (N)_mask.png"');
  }
  return { format: 'busi', items, ratios: { val: 0.1, test: 0.1 }, seed: 42 };
}
