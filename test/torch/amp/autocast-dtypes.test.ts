// torch.autocast casts exactly as PyTorch 1.13's CPU bfloat16 autocast: the output dtype of every
// operator in test/fixtures/amp/autocast-dtypes.json (made by tools/make-autocast-dtypes.py), for
// float32, bfloat16 and mixed inputs, with and without autocast, including the inputs both refuse.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../../src/index.js';
import { fixturePath, readJson } from '../../helpers.js';

const { F } = torch;
type T = torch.Tensor;

interface Case { op: string; shapes: number[][]; inputs: torch.DType[]; plain: string; autocast: string }
const golden = readJson<{ torch: string; cases: Case[] }>(fixturePath('amp', 'autocast-dtypes.json'));

// The same calls as the Python table, through vlsm's API.
const ops: Record<string, (...x: T[]) => T> = {
  matmul: (a, b) => torch.matmul(a, b),
  mm: (a, b) => torch.mm(a, b),
  bmm: (a, b) => torch.bmm(a, b),
  addmm: (c, a, b) => torch.addmm(c, a, b),
  baddbmm: (c, a, b) => torch.baddbmm(c, a, b),
  linear: (x, w, b) => F.linear(x, w, b),
  conv1d: (x, w, b) => F.conv1d(x, w, b),
  conv2d: (x, w, b) => F.conv2d(x, w, b, { padding: 1 }),
  conv_transpose2d: (x, w, b) => F.convTranspose2d(x, w, b, { stride: 2 }),
  layer_norm: (x, w, b) => F.layerNorm(x, [8], w, b),
  group_norm: (x, w, b) => F.groupNorm(x, 2, w, b),
  batch_norm_eval: (x, w, b) => F.batchNorm(x, torch.zeros([4]), torch.ones([4]), w, b, { training: false }),
  softmax: (x) => torch.softmax(x, -1),
  log_softmax: (x) => torch.logSoftmax(x, -1),
  sum: (x) => torch.sum(x),
  mean: (x) => torch.mean(x),
  prod: (x) => torch.prod(x),
  exp: (x) => torch.exp(x),
  sigmoid: (x) => torch.sigmoid(x),
  gelu: (x) => F.gelu(x),
  relu: (x) => F.relu(x),
  binary_cross_entropy_with_logits: (x, t) => F.binaryCrossEntropyWithLogits(x, t),
  mse_loss: (x, t) => F.mseLoss(x, t),
  l1_loss: (x, t) => F.l1Loss(x, t),
  add: (a, b) => torch.add(a, b),
  mul: (a, b) => torch.mul(a, b),
  cat: (a, b) => torch.cat([a, b]),
  stack: (a, b) => torch.stack([a, b]),
  interpolate_bilinear: (x) => F.interpolate(x, { size: [8, 8], mode: 'bilinear', alignCorners: false }),
  interpolate_nearest: (x) => F.interpolate(x, { size: [8, 8], mode: 'nearest' }),
  max_pool2d: (x) => F.maxPool2d(x, 2),
  avg_pool2d: (x) => F.avgPool2d(x, 2),
  adaptive_avg_pool2d: (x) => F.adaptiveAvgPool2d(x, 1),
  normalize: (x) => F.normalize(x, { dim: -1 }),
  cosine_similarity: (a, b) => F.cosineSimilarity(a, b, -1),
};

function outputDtype(c: Case): string {
  return torch.scope(() => {
    const inputs = c.shapes.map((shape, i) => torch.rand(shape).to(c.inputs[i]));
    try {
      return ops[c.op](...inputs).dtype;
    } catch {
      return 'error';
    }
  });
}

// Where vlsm deliberately differs from PyTorch 1.13 (torch/functional.ts): an all-bfloat16
// transposed convolution, which PyTorch 1.13 fails on the CPU (a oneDNN weight-layout bug), is
// computed in float32 and returned in bfloat16; under autocast a bfloat16 input to a float32
// layer or group norm is normalised in float32, as PyTorch 2's autocast does (1.13 fails).
const deviations: Record<string, { plain?: string; autocast?: string }> = {
  'conv_transpose2d(bfloat16, bfloat16, bfloat16)': { plain: 'bfloat16' },
  'layer_norm(bfloat16, float32, float32)': { autocast: 'float32' },
  'group_norm(bfloat16, float32, float32)': { autocast: 'float32' },
};

describe('torch.autocast output dtypes match PyTorch 1.13 (CPU, bfloat16)', () => {
  it('covers every operator of the golden table', () => {
    assert.deepEqual([...new Set(golden.cases.map((c) => c.op))].sort(), Object.keys(ops).sort());
    assert.ok(golden.cases.length >= 100);
  });

  for (const c of golden.cases) {
    const call = `${c.op}(${c.inputs.join(', ')})`;
    it(`${call} → ${c.plain} plain, ${c.autocast} under autocast`, () => {
      assert.equal(outputDtype(c), deviations[call]?.plain ?? c.plain, 'without autocast');
      const cast = torch.autocast({ deviceType: 'cpu', dtype: 'bfloat16' }, () => outputDtype(c));
      assert.equal(cast, deviations[call]?.autocast ?? c.autocast, 'under autocast');
    });
  }
});
