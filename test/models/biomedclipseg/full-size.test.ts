// The full-size BiomedCLIPSeg (ViT-B/16 + PubMedBERT-base, CIDAS decoder) with random weights.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../../src/index.js';
import { biomedClipPubMedBert256 } from '../../../src/models/biomedclip/config.js';
import { biomedClipSegConfig } from '../../../src/models/biomedclipseg/config.js';
import { BiomedCLIPSeg } from '../../../src/models/biomedclipseg/model.js';
import { clipsegRd64Refined } from '../../../src/models/clipseg/config.js';

describe('BiomedCLIPSeg at full size with random weights', () => {
  it('maps a 224×224 image and a 256-token prompt to finite 224×224 logits, tapping blocks 4, 7, 10', () => {
    const config = biomedClipSegConfig(biomedClipPubMedBert256(), clipsegRd64Refined());
    assert.deepEqual(config.tappedBlocks, [4, 7, 10]);
    const model = new BiomedCLIPSeg(config, { decoderSeed: 0 }).eval();
    assert.equal(model.biomedclip.text.transformer.embeddings.wordEmbeddings.weight.size(0), 30522);
    assert.deepEqual(model.decoder.reduces.at(0).weight.shape, [64, 768]);
    torch.scope(() => {
      torch.manualSeed(0);
      const pixelValues = torch.randn([1, 3, 224, 224]);
      const inputIds = torch.zeros([1, 256], { dtype: 'int64' });
      inputIds.slice(1, 0, 6).copy_(torch.tensor(new BigInt64Array([2n, 1500n, 2600n, 17n, 88n, 3n]), { shape: [1, 6] }));
      const attentionMask = inputIds.ne(0).long();
      const out = model.forward({ pixelValues, inputIds, attentionMask });
      assert.deepEqual(out.activations.map((a) => a.shape), [[1, 197, 768], [1, 197, 768], [1, 197, 768]]);
      assert.deepEqual(out.conditionalEmbeddings.shape, [1, 512]);
      assert.deepEqual(out.logits.shape, [1, 224, 224]);
      assert.ok(out.logits.isfinite().all().item(), 'logits are finite');
      assert.ok(out.conditionalEmbeddings.isfinite().all().item(), 'embeddings are finite');
      assert.ok(model.biomedclip.encodeImage(pixelValues).isfinite().all().item());
    });
    model.dispose();
  });
});
