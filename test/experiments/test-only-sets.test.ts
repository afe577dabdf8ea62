// ETIS, CVC-ColonDB and CVC-300 are test-only sets: the paper scores every image of them, while the
// reference's shipped annotation files list 20 of them in train.json, so all their splits are scored.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isTestOnlyDataset } from '../../src/data/test-only.js';
import { readReferenceDataset } from '../../src/data/reference-layout.js';
import { testDatasets } from '../../src/experiments/finetune-run.js';
import { familyNamed } from '../../src/models/registry.js';
import { writeSyntheticDataset } from '../../src/prompts/synthetic-referring.js';
import * as torch from '../../src/torch/index.js';
import { resolveRecipe } from '../../src/train/recipes.js';

describe('test-only sets', () => {
  it('knows them by their reference and importer names', () => {
    assert.deepEqual(['etis_polyp', 'data/colondb_polyp', 'cvc-300', 'kvasir_polyp', 'busi'].map(isTestOnlyDataset), [true, true, true, false, false]);
  });

  it('scores every split of a test-only set and only the test split of another', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-test-only-'));
    const counts = await writeSyntheticDataset(join(dir, 'kvasir_polyp'), { n: 24, seed: 5, size: 48 });
    cpSync(join(dir, 'kvasir_polyp'), join(dir, 'etis_polyp'), { recursive: true });
    const all = (await readReferenceDataset(join(dir, 'etis_polyp'))).records.length;
    assert.equal(all, counts.train + counts.val + counts.test);
    torch.manualSeed(0);
    const model = familyNamed('unet').scratch!({ encoder_name: 'resnet18', encoder_params: { block: 'basic', layers: [1, 1, 1, 1], width: 8 }, encoder_weights: null, decoder_channels: [16, 8, 8, 8, 8] }, [32, 32]);
    try {
      const recipe = resolveRecipe('unet');
      const results = await testDatasets(model, [{ root: join(dir, 'kvasir_polyp') }, { root: join(dir, 'etis_polyp') }], 'p0', recipe, join(dir, 'out'), false, false);
      assert.deepEqual(results.map((r) => [r.dataset, r.items.length]), [['kvasir_polyp', counts.test], ['etis_polyp', all]]);
    } finally {
      model.dispose();
    }
  });
});
