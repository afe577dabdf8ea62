// Every model family in another dtype and precision: weights moved to bfloat16, and float32
// weights under bfloat16 autocast (the --precision bf16 path), predict without errors and close to
// float32. Plus the placement checks: fp16 on the CPU and unknown devices are refused by name.
//
// Tolerance: bfloat16 keeps 8 significant bits (relative rounding 2^-9 ≈ 0.2 % per operation),
// so logits drift by a few percent over a network (measured on these random tiny models: CRIS's
// logits, |mean| 1.19, move by 0.03 on average). A probability moves by at most a quarter of its
// logit's change (sigmoid' ≤ 1/4), but resampling to the image and the CNN's random BatchNorm
// statistics spread that unevenly. Measured max / mean |Δp|: CLIPSeg 0.006 / 0.0006, BiomedCLIPSeg
// 0.006 / 0.0006, CRIS 0.060 / 0.024, U-Net 0.074 / 0.012 (autocast); bfloat16 weights alike.
// Bounds of 0.15 (max) and 0.04 (mean) hold those with margin; a wrong layer moves them by tenths.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../src/index.js';
import { DEMO_CNN } from '../../src/experiments/demo.js';
import { createRgbImage, type RgbImage } from '../../src/imaging/image-types.js';
import { load } from '../../src/models/load.js';
import { availableDevices, placeModel, resolveDevice } from '../../src/models/placement.js';
import { familyNamed } from '../../src/models/registry.js';
import type { SegmentationModel } from '../../src/models/types.js';
import { fixturePath } from '../helpers.js';

const MAX_TOLERANCE = 0.15;
const MEAN_TOLERANCE = 0.04;

const models: Record<string, () => Promise<SegmentationModel>> = {
  clipseg: () => load(fixturePath('clipseg-tiny')),
  cris: () => load(fixturePath('cris-tiny')),
  biomedclipseg: () => load(fixturePath('biomedclipseg-tiny')),
  unet: async () => {
    torch.manualSeed(5);
    return familyNamed('unet').scratch!(DEMO_CNN, [64, 64]);
  },
};

function textureImage(width: number, height: number): RgbImage {
  const image = createRgbImage(width, height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const p = 3 * (y * width + x);
    image.data[p] = (x * 255) / width;
    image.data[p + 1] = 128 + 127 * Math.sin(x / 5 + y / 7);
    image.data[p + 2] = (x * y) % 256;
  }
  return image;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

function meanDiff(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

describe('every family predicts in bfloat16 close to float32', () => {
  const image = textureImage(70, 52);
  const prompt = 'a round bright lesion';
  for (const [family, make] of Object.entries(models)) {
    it(`${family}: bf16 autocast (--precision bf16) and bfloat16 weights`, async () => {
      const model = await make();
      try {
        const reference = model.predict(image, prompt).probabilities;
        placeModel(model, { device: 'cpu', precision: 'bf16' });
        const autocast = model.predict(image, prompt).probabilities;
        assert.equal(torch.autocastState('cpu').enabled, false, 'the region closed');
        const autocastDiff = maxDiff(autocast, reference);
        assert.ok(autocastDiff < MAX_TOLERANCE, `${family} bf16 autocast: max |Δp| ${autocastDiff}`);
        assert.ok(meanDiff(autocast, reference) < MEAN_TOLERANCE, `${family} bf16 autocast: mean |Δp| ${meanDiff(autocast, reference)}`);
        assert.ok(autocastDiff > 0, `${family}: bf16 autocast computed exactly float32's result; was it applied?`);

        placeModel(model, { device: 'cpu', precision: 'fp32' });
        model.module.to({ dtype: 'bfloat16' });
        assert.equal(model.dtype, 'bfloat16');
        const weights = model.predict(image, prompt).probabilities;
        const weightsDiff = maxDiff(weights, reference);
        assert.ok(weightsDiff < MAX_TOLERANCE, `${family} bfloat16 weights: max |Δp| ${weightsDiff}`);
        assert.ok(meanDiff(weights, reference) < MEAN_TOLERANCE, `${family} bfloat16 weights: mean |Δp| ${meanDiff(weights, reference)}`);
      } finally {
        model.dispose();
      }
    });
  }
});

describe('placement', () => {
  it('refuses fp16 on the CPU, naming the option and the device', async () => {
    const model = await models.unet!();
    try {
      assert.throws(() => placeModel(model, { device: 'cpu', precision: 'fp16' }, '--precision'), /--precision fp16 needs a CUDA device, but the device is cpu/);
      assert.equal(model.precision, 'fp32');
    } finally {
      model.dispose();
    }
  });

  it('resolves devices and explains the ones it cannot give', () => {
    assert.equal(resolveDevice('cpu', '--device'), 'cpu');
    assert.equal(availableDevices()[0], 'cpu');
    assert.throws(() => resolveDevice('gpu', '--device'), /--device: unknown device "gpu"; choose cpu, cuda, cuda:N or auto/);
    assert.throws(() => resolveDevice('cuda:x', 'device'), /device: unknown device "cuda:x"/);
    if (torch.cuda.isAvailable()) {
      assert.equal(resolveDevice('auto', '--device'), 'cuda:0');
      assert.throws(() => resolveDevice(`cuda:${torch.cuda.deviceCount()}`, '--device'), /CUDA device/);
    } else {
      assert.equal(resolveDevice('auto', '--device'), 'cpu');
      assert.throws(() => resolveDevice('cuda', '--device'), /--device cuda: CUDA is not available: .*vlsm info/);
      assert.throws(() => resolveDevice('cuda:1', '--device'), /--device cuda:1: CUDA is not available/);
    }
  });
});

describe('CUDA', () => {
  const skip = torch.cuda.isAvailable() ? false : 'no CUDA device is visible (vlsm info: cuda not available)';
  it('predicts on cuda:0 in fp32, bf16 and fp16 close to the CPU', { skip }, async () => {
    const image = textureImage(70, 52);
    const model = await models.clipseg!();
    try {
      const reference = model.predict(image, 'a lesion').probabilities;
      for (const precision of ['fp32', 'bf16', 'fp16'] as const) {
        placeModel(model, { device: 'cuda:0', precision });
        assert.equal(model.device, 'cuda:0');
        const p = model.predict(image, 'a lesion').probabilities;
        assert.ok(maxDiff(p, reference) < MAX_TOLERANCE, `cuda ${precision}`);
      }
    } finally {
      model.dispose();
    }
  });
});
