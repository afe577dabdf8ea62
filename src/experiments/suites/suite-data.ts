// Datasets a suite makes itself (the demo's): the synthetic referring set and the bundled BUSI
// sample with the reference's prompts, written under the data root when missing.
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAnnotationFile, type AnnotationEntry } from '../../data/annotation-file.js';
import { packageRoot } from '../../package-root.js';
import { writeSyntheticDataset } from '../../prompts/synthetic-referring.js';
import type { ValidatedSuite } from './suite-file.js';

/** Writes the bundled BUSI sample in the reference layout, split by its entries' own `split` field. */
export async function writeBusiSample(root: string): Promise<void> {
  const source = join(packageRoot(), 'assets', 'busi-sample');
  cpSync(join(source, 'images'), join(root, 'images'), { recursive: true });
  cpSync(join(source, 'masks'), join(root, 'masks'), { recursive: true });
  const entries = JSON.parse(readFileSync(join(source, 'anns.json'), 'utf8')) as (AnnotationEntry & { split: string })[];
  for (const split of ['train', 'val', 'test'] as const) {
    await writeAnnotationFile(join(root, 'anns', `${split}.json`), entries.filter((e) => e.split === split));
  }
}

/** Makes every dataset of the suite that has a `make` and is not yet under `dataRoot`. */
export async function makeSuiteData(suite: ValidatedSuite, dataRoot: string, log: (line: string) => void): Promise<void> {
  for (const [name, info] of Object.entries(suite.datasets)) {
    const root = join(dataRoot, name);
    if (!info.make || existsSync(join(root, 'anns', 'test.json'))) continue;
    if ('synthetic' in info.make) {
      const s = info.make.synthetic;
      const counts = await writeSyntheticDataset(root, { n: s.images, seed: s.seed, size: s.size });
      log(`synthetic referring dataset: ${counts.train} train, ${counts.val} val, ${counts.test} test images (${s.size}x${s.size}) with prompts P0-P9 -> ${root}`);
    } else {
      await writeBusiSample(root);
      log(`BUSI sample: 12 images with the reference's prompts -> ${root}`);
    }
  }
}
