// The three smp architectures at a tiny width against PyTorch 1.13 + torchvision 0.14
// (tools/make-cnn-golden.py → test/fixtures/cnn/<arch>.pt, read through torch.io.loadStateDict).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../../src/index.js';
import { cnnConfigSchema, resolveCnnConfig, type CnnArchitecture, type CnnConfig } from '../../../src/models/cnn/config.js';
import { createCnnModel } from '../../../src/models/cnn/family.js';
import type { SmpSegmentationModel } from '../../../src/models/cnn/base.js';
import { assertClose, det, fixturePath, readJson } from '../../helpers.js';

interface TinyCase { block: 'basic' | 'bottleneck'; layers: [number, number, number, number]; width: number; classes: number; decoder_channels: number[] | number; rates?: [number, number, number]; input: number[] }
const reference = readJson<{ tiny: Record<CnnArchitecture, TinyCase> }>(fixturePath('cnn', 'reference.json'));

export function tinyConfig(arch: CnnArchitecture): CnnConfig {
  const c = reference.tiny[arch];
  return resolveCnnConfig(
    cnnConfigSchema.parse({
      arch,
      encoder_params: { block: c.block, layers: c.layers, width: c.width },
      decoder_channels: c.decoder_channels,
      classes: c.classes,
      ...(c.rates ? { decoder_atrous_rates: c.rates } : {}),
      encoder_weights: null,
    }),
  );
}

const values = (t: torch.Tensor): number[] => Array.from(t.to('float64').data() as Float64Array);

for (const arch of ['unet', 'unetplusplus', 'deeplabv3plus'] as const) {
  const file = fixturePath('cnn', `${arch}.pt`);
  const weights = await torch.io.loadStateDict(file, { key: 'state_dict' });
  const expected = await torch.io.loadStateDict(file, { key: 'expected' });
  for (const t of [...weights.values(), ...expected.values()]) t.keep();
  const input = det(reference.tiny[arch].input, { dtype: 'float32' }).keep();

  const load = (): SmpSegmentationModel => {
    const model = createCnnModel(tinyConfig(arch));
    model.loadStateDict(weights, { file });
    return model;
  };

  describe(`${arch} at a tiny width against PyTorch (fixtures/cnn/${arch}.pt)`, () => {
    it("has exactly smp's state-dict keys, in the checkpoint's order", () => {
      const model = createCnnModel(tinyConfig(arch));
      assert.deepEqual([...model.stateDict().keys()], [...weights.keys()]);
      model.dispose();
    });

    it('reproduces the eval-mode logits within 1e-4', () => {
      const model = load().eval();
      torch.scope(() => {
        const logits = torch.noGrad(() => model.forward(input));
        assertClose(logits, values(expected.get('logits')!), 1e-4, 'logits', expected.get('logits')!.shape);
      });
      model.dispose();
    });

    it('reproduces a training step: logits, BCE loss and BatchNorm running statistics within 1e-4, gradients within max(1e-4, 5e-4 of the largest)', () => {
      const model = load().train();
      // Dropout(0.5) in DeepLabV3+'s ASPP projection draws from a different random stream: both sides keep it in eval mode.
      if (arch === 'deeplabv3plus') model.getSubmodule('decoder.aspp.0.project.3').eval();
      torch.scope(() => {
        const logits = model.forward(input);
        const target = det(logits.shape, { dtype: 'float32' }).gt(0).float();
        const loss = torch.F.binaryCrossEntropyWithLogits(logits, target);
        loss.backward();
        assertClose(logits, values(expected.get('train_logits')!), 1e-4, 'train_logits');
        assertClose([loss.item()], [expected.get('train_loss')!.item()], 1e-5, 'train_loss');
      });
      const parameters = new Map(model.namedParameters());
      let grads = 0;
      for (const [key, value] of expected) {
        if (!key.startsWith('grad.')) continue;
        const name = key.slice('grad.'.length);
        const grad = parameters.get(name)?.grad;
        assert.ok(grad, `no gradient for ${name}`);
        // float32 sums over every pixel (the stem's gradient gathers 2·16·16 positions): judged relative to the largest entry.
        const scale = value.abs().max().item();
        assertClose(grad, values(value), Math.max(1e-4, 5e-4 * scale), `grad ${name}`, value.shape);
        grads++;
      }
      assert.ok(grads >= 6, `only ${grads} gradients compared`);
      const state = model.stateDict();
      let checked = 0;
      for (const [key, value] of expected) {
        if (!key.startsWith('after_train.')) continue;
        const name = key.slice('after_train.'.length);
        const mine = state.get(name);
        assert.ok(mine, `no ${name} in the model`);
        if (name.endsWith('num_batches_tracked')) assert.equal(mine.item(), value.item(), name);
        else assertClose(mine, values(value), 1e-4, name);
        checked++;
      }
      assert.ok(checked > 20, `only ${checked} statistics compared`);
      assert.equal(state.get('encoder.bn1.num_batches_tracked')!.item(), 4);
      model.dispose();
    });

    if (arch === 'unetplusplus') {
      it('reproduces the five encoder feature maps within 1e-4', () => {
        const model = load().eval();
        torch.scope(() => {
          const features = torch.noGrad(() => model.encoder.forward(input));
          assert.equal(features.length, 6);
          for (let i = 1; i <= 5; i++) assertClose(features[i], values(expected.get(`features.${i}`)!), 1e-4, `features.${i}`, expected.get(`features.${i}`)!.shape);
        });
        model.dispose();
      });
    }

    it('leaves no tensor behind after a forward inside a scope', () => {
      const model = load().eval();
      const before = torch.memory().numTensors;
      torch.scope(() => void model.forward(input));
      assert.equal(torch.memory().numTensors, before);
      model.dispose();
    });
  });
}
