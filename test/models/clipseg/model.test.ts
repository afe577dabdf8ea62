// CLIPSeg against the reference implementation's golden vectors (test/fixtures/clipseg-tiny).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { torch } from '../../../src/index.js';
import { readConfigFile } from '../../../src/models/config-file.js';
import { clipsegConfigSchema } from '../../../src/models/clipseg/config.js';
import { CLIPSegForImageSegmentation } from '../../../src/models/clipseg/model.js';
import { normalizeClipsegKeys } from '../../../src/models/clipseg/weights.js';
import { assertClose, fixturePath } from '../../helpers.js';

const fixture = fixturePath('clipseg-tiny');
const expected = (name: string): number[] => Array.from(io.get(name)!.to('float64').data() as Float64Array);
const io = torch.io.loadSafetensors(join(fixture, 'io.safetensors'));
for (const t of io.values()) t.keep();

function loadTiny(): CLIPSegForImageSegmentation {
  const config = readConfigFile(clipsegConfigSchema, join(fixture, 'config.json'));
  const model = new CLIPSegForImageSegmentation(config);
  const weights = torch.io.loadSafetensors(join(fixture, 'model.safetensors'));
  model.loadStateDict(normalizeClipsegKeys(weights), { file: join(fixture, 'model.safetensors') });
  torch.dispose([...weights.values()]);
  return model.eval();
}

describe('CLIPSeg on fixtures/clipseg-tiny', () => {
  const model = loadTiny();

  it('has exactly the checkpoint keys', () => {
    const fileKeys = [...torch.io.readSafetensorsHeader(join(fixture, 'model.safetensors')).tensors.keys()].sort();
    assert.deepEqual([...model.stateDict().keys()].sort(), fileKeys);
  });

  it('interpolates the position table bicubically to the 6x6 grid within 1e-5', () => {
    torch.scope(() => assertClose(model.clip.visionModel.embeddings.positionTable(6, 6), expected('vision_position_embedding_interpolated'), 1e-5, 'positions'));
  });

  it('reproduces the conditional embeddings of both prompts within 1e-5', () => {
    torch.scope(() => {
      const emb = model.conditionalEmbeddings({ inputIds: io.get('input_ids')!, attentionMask: io.get('attention_mask')! });
      assertClose(emb, expected('conditional_embeddings'), 1e-5, 'conditional_embeddings', [2, 24]);
      // The original pads with 0 and passes no mask: the causal tower gives the same numbers.
      const zeroPadded = io.get('input_ids')!.where(io.get('attention_mask')!.eq(1), 0);
      assertClose(model.conditionalEmbeddings({ inputIds: zeroPadded }), expected('conditional_embeddings'), 1e-5, 'zero-padded');
    });
  });

  it('reproduces every extracted activation and the pooled output within 1e-5', () => {
    torch.scope(() => {
      const pixels = io.get('pixel_values')!;
      const activations = model.visionActivations(pixels);
      assert.equal(activations.length, 3);
      for (const [i, a] of activations.entries()) assertClose(a, expected(`activation_layer${i + 1}`), 1e-5, `activation_layer${i + 1}`, [1, 37, 48]);
      assertClose(model.clip.getImageFeatures(pixels), expected('pooled_output'), 1e-5, 'pooled_output');
    });
  });

  it('reproduces the decoder features and the logits for both prompts within 1e-5', () => {
    torch.scope(() => {
      const out = model.forward({ pixelValues: io.get('pixel_values')!, inputIds: io.get('input_ids')!, attentionMask: io.get('attention_mask')! });
      assertClose(out.logits, expected('logits'), 1e-5, 'logits', [2, 96, 96]);
      const features = model.decoder.features(out.activations.map((a) => a.expand([2, -1, -1])), out.conditionalEmbeddings, [6, 6]);
      assertClose(features, expected('decoder_features'), 1e-5, 'decoder_features', [2, 16, 6, 6]);
    });
  });

  it('runs the vision tower only up to the deepest tapped layer, with the same activations', () => {
    const config = readConfigFile(clipsegConfigSchema, join(fixture, 'config.json'));
    const shallow = new CLIPSegForImageSegmentation({ ...config, extract_layers: [0, 1, 2] });
    const weights = torch.io.loadSafetensors(join(fixture, 'model.safetensors'));
    shallow.loadStateDict(normalizeClipsegKeys(weights));
    torch.dispose([...weights.values()]);
    shallow.eval();
    torch.scope(() => {
      const pixels = io.get('pixel_values')!;
      const full = shallow.clip.visionModel.forward(pixels, { keepHidden: [1, 2, 3] }).hiddenStates;
      // The last of the 4 layers cannot reach hidden state 3, so it must not run at all.
      const last = shallow.clip.visionModel.encoder.layers.at(3);
      let lastLayerCalls = 0;
      const forward = last.forward.bind(last);
      last.forward = (x, mask) => (lastLayerCalls++, forward(x, mask));
      const tapped = shallow.visionActivations(pixels);
      assert.equal(lastLayerCalls, 0);
      assert.equal(tapped.length, 3);
      for (const [i, a] of tapped.entries()) assert.deepEqual([...(a.data() as Float32Array)], [...(full[i].data() as Float32Array)], `activation ${i} against the full tower's hidden state ${i + 1}`);
    });
    shallow.dispose();
  });

  it('leaves no tensor behind after a forward inside a scope', () => {
    const before = torch.memory().numTensors;
    torch.scope(() => void model.forward({ pixelValues: io.get('pixel_values')!, inputIds: io.get('input_ids')! }));
    assert.equal(torch.memory().numTensors, before);
  });

  it('names the key and both shapes when a weight does not fit', () => {
    const config = readConfigFile(clipsegConfigSchema, join(fixture, 'config.json'));
    const wider = new CLIPSegForImageSegmentation({ ...config, reduce_dim: 32 });
    const weights = normalizeClipsegKeys(torch.io.loadSafetensors(join(fixture, 'model.safetensors')));
    assert.throws(() => wider.loadStateDict(weights), /size mismatch for decoder\.film_mul\.weight: checkpoint \[16, 24\], model \[32, 24\]/);
    wider.dispose();
  });
});
