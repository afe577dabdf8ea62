// Weights cast once for autocast inference give exactly what autocast gives over float32 weights.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { torch } from '../../../src/index.js';
import { readConfigFile } from '../../../src/models/config-file.js';
import { clipsegConfigSchema } from '../../../src/models/clipseg/config.js';
import { CLIPSegForImageSegmentation } from '../../../src/models/clipseg/model.js';
import { normalizeClipsegKeys } from '../../../src/models/clipseg/weights.js';
import { fixturePath } from '../../helpers.js';

const { nn } = torch;
const bf16 = <T>(fn: () => T): T => torch.autocast({ deviceType: 'cpu', dtype: 'bfloat16' }, fn);
const values = (t: torch.Tensor): number[] => [...(t.to('float32').data() as Float32Array)];

function tinyClipseg(): CLIPSegForImageSegmentation {
  const fixture = fixturePath('clipseg-tiny');
  const model = new CLIPSegForImageSegmentation(readConfigFile(clipsegConfigSchema, join(fixture, 'config.json')));
  const weights = torch.io.loadSafetensors(join(fixture, 'model.safetensors'));
  model.loadStateDict(normalizeClipsegKeys(weights));
  torch.dispose([...weights.values()]);
  return model.eval();
}

describe('torch.castWeightsForAutocast', () => {
  it('casts linear and convolution weights, and leaves norms, embeddings and transposed convolutions in float32', () => {
    const model = tinyClipseg();
    torch.castWeightsForAutocast(model, 'bfloat16');
    const dtypes = new Map([...model.stateDict()].map(([k, t]) => [k, t.dtype]));
    assert.equal(dtypes.get('clip.vision_model.encoder.layers.0.self_attn.q_proj.weight'), 'bfloat16');
    assert.equal(dtypes.get('clip.vision_model.encoder.layers.0.self_attn.q_proj.bias'), 'bfloat16');
    assert.equal(dtypes.get('clip.vision_model.embeddings.patch_embedding.weight'), 'bfloat16');
    assert.equal(dtypes.get('decoder.transposed_convolution.0.weight'), 'bfloat16');
    assert.equal(dtypes.get('decoder.transposed_convolution.2.weight'), 'float32');
    assert.equal(dtypes.get('clip.vision_model.encoder.layers.0.layer_norm1.weight'), 'float32');
    assert.equal(dtypes.get('clip.text_model.embeddings.token_embedding.weight'), 'float32');
    model.dispose();
  });

  it('gives CLIPSeg exactly the logits of autocast over float32 weights', () => {
    const reference = tinyClipseg();
    const precast = torch.castWeightsForAutocast(tinyClipseg(), 'bfloat16');
    torch.manualSeed(5);
    torch.scope(() => {
      const pixelValues = torch.randn([2, 3, 64, 64]);
      const inputIds = torch.tensor([[49406, 320, 1125, 49407], [49406, 320, 3360, 49407]], { dtype: 'int64' });
      const expected = torch.inferenceMode(() => bf16(() => reference.forward({ pixelValues, inputIds }).logits));
      const got = torch.inferenceMode(() => bf16(() => precast.forward({ pixelValues, inputIds }).logits));
      const plain = torch.inferenceMode(() => reference.forward({ pixelValues, inputIds }).logits);
      assert.deepEqual(values(got), values(expected));
      // Low precision really ran: the bf16 logits are close to float32's but not equal.
      assert.notDeepEqual(values(got), values(plain));
      const worst = Math.max(...values(got).map((v, i) => Math.abs(v - values(plain)[i]!)));
      assert.ok(worst < 0.1, `bf16 logits within 0.1 of float32's (worst ${worst})`);
    });
    reference.dispose();
    precast.dispose();
  });

  it('lets LayerNorm take a bf16 activation beside float32 weights under autocast, normalising in float32', () => {
    torch.manualSeed(6);
    const norm = new nn.LayerNorm(8);
    torch.scope(() => {
      const x = torch.randn([3, 8]).to('bfloat16');
      const out = bf16(() => norm.forward(x));
      assert.equal(out.dtype, 'float32');
      assert.deepEqual(values(out), values(norm.forward(x.to('float32'))));
      // Outside autocast the dtypes must agree, as in PyTorch.
      assert.throws(() => norm.forward(x), /LayerNorm|layer_norm|dtype|type/i);
    });
  });
});
