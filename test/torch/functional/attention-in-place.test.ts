// Attention without gradients writes the mask and the softmax into the scores; the values must be
// those of the plain composition, bit for bit, in float32 and bfloat16.
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
