// The frozen-feature cache's worth: epoch time of decoder-only CLIPSeg fine-tuning (full-size
// rd64-refined configuration, random weights, 352²) with the cache cold and warm, and without it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticDataset } from '../src/prompts/synthetic-referring.js';
import { torch } from '../src/index.js';
import { clipsegFromConfig } from '../src/models/clipseg/family.js';
import { readPromptedSplit } from '../src/prompts/prompted-samples.js';
import { resolveRecipe } from '../src/train/recipes.js';
import { finetune } from '../src/train/trainer.js';

export interface CacheFigures { uncached_epoch_s: number; cold_cache_epoch_s: number; warm_cache_epoch_s: number; ratio: number; train_images: number }

export async function featureCacheFigures(images = 40): Promise<CacheFigures> {
  const root = mkdtempSync(join(tmpdir(), 'vlsm-bench-cache-'));
  try {
    await writeSyntheticDataset(join(root, 'data'), { n: images, seed: 0, size: 352 });
    const train = await readPromptedSplit(join(root, 'data'), 'train', { promptType: 'p6', seed: 0 });
    const recipe = resolveRecipe('clipseg', 'released', { batch_size: 8, max_epochs: 2, min_epochs: 0, scheduler: { type: 'constant' } });
    const epochs = async (cache: boolean): Promise<number[]> => {
      torch.manualSeed(0);
      const model = clipsegFromConfig({});
      const result = await finetune({
        model, recipe, trainSamples: () => train, valSamples: [], outDir: join(root, cache ? 'cached' : 'plain'), config: {},
        cache: cache ? {} : false, log: () => {},
      });
      model.dispose();
      return result.state.history.map((h) => h.seconds);
    };
    const [cold, warm] = await epochs(true);
    const [uncached] = await epochs(false);
    return { uncached_epoch_s: uncached!, cold_cache_epoch_s: cold!, warm_cache_epoch_s: warm!, ratio: uncached! / warm!, train_images: train.length };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
