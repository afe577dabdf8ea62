// Attention without gradients writes the mask and the softmax into the scores, and splits large
// scores by batch element; the values must be those of the plain composition, bit for bit, in
// float32 and bfloat16.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../../src/index.js';

const { F } = torch;
type Tensor = torch.Tensor;

/** softmax(q kᵀ · scale + mask) v with a new tensor at every step, as PyTorch writes it. */
function plain(q: Tensor, k: Tensor, v: Tensor, scale: number, mask?: Tensor): Tensor {
  return torch.scope(() => {
    let scores = q.mul(scale).matmul(k.transpose(-2, -1));
    if (mask) scores = scores.add(mask);
    return scores.softmax(-1).matmul(v);
  });
}

function bits(t: Tensor): number[] {
  return [...(t.to('float32').data() as Float32Array)];
}

describe('F.scaledDotProductAttention without gradients', () => {
  for (const dtype of ['float32', 'bfloat16'] as const) {
    it(`equals the plain form exactly in ${dtype}, with and without an additive mask`, () => {
      torch.manualSeed(3);
      torch.scope(() => {
        const [q, k, v] = [0, 1, 2].map(() => torch.randn([2, 3, 17, 8]).to(dtype));
        const causal = torch.zeros([1, 1, 17, 17]).maskedFill(torch.ones([17, 17], { dtype: 'bool' }).triu(1), -Infinity).to(dtype);
        for (const mask of [undefined, causal]) {
          const expected = plain(q, k, v, 0.125, mask);
          const inPlace = torch.noGrad(() => F.scaledDotProductAttention(q, k, v, { attnMask: mask, scale: 0.125 }));
          const inInference = torch.inferenceMode(() => F.scaledDotProductAttention(q, k, v, { attnMask: mask, scale: 0.125 }));
          assert.equal(inPlace.dtype, dtype);
          assert.deepEqual(bits(inPlace), bits(expected));
          assert.deepEqual(bits(inInference), bits(expected));
        }
      });
    });
  }

  for (const dtype of ['float32', 'bfloat16'] as const) {
    it(`computes large scores one batch element at a time, equal to the plain form in ${dtype}, for every mask shape`, () => {
      // [2, 8, 768, 768] scores are 38 MB in float32 and 19 MB in bfloat16: above the 16 MiB at
      // which the batch is split.
      torch.manualSeed(5);
      torch.scope(() => {
        const [q, k, v] = [0, 1, 2].map(() => torch.randn([2, 8, 768, 16]).to(dtype));
        const perImage = torch.randn([2, 1, 768, 768]).to(dtype);
        const shared = torch.randn([1, 1, 768, 768]).to(dtype);
        const flat = torch.randn([768, 768]).to(dtype);
        const padding = torch.ones([2, 1, 1, 768], { dtype: 'bool' });
        padding.slice(-1, 700).fill_(false);
        for (const mask of [undefined, perImage, shared, flat]) {
          const expected = plain(q, k, v, 0.25, mask);
          const split = torch.inferenceMode(() => F.scaledDotProductAttention(q, k, v, { attnMask: mask, scale: 0.25 }));
          assert.deepEqual(split.shape, [2, 8, 768, 16]);
          assert.equal(split.dtype, dtype);
          assert.deepEqual(bits(split), bits(expected), `mask ${mask ? mask.shape.join('x') : 'none'}`);
        }
        const hidden = torch.zeros([2, 1, 1, 768], { dtype }).maskedFill(padding.logicalNot(), -Infinity);
        const withBool = torch.inferenceMode(() => F.scaledDotProductAttention(q, k, v, { attnMask: padding, scale: 0.25 }));
        assert.deepEqual(bits(withBool), bits(plain(q, k, v, 0.25, hidden)));
      });
    });
  }

  it('keeps the graph intact when gradients are on (no in-place writes)', () => {
    torch.manualSeed(4);
    torch.scope(() => {
      const q = torch.randn([1, 2, 5, 4]).requiresGrad_();
      const k = torch.randn([1, 2, 5, 4]);
      const v = torch.randn([1, 2, 5, 4]);
      F.scaledDotProductAttention(q, k, v).sum().backward();
      assert.ok(q.grad !== undefined && q.grad !== null);
      assert.ok(bits(q.grad!).every(Number.isFinite));
    });
  });
});
