// F.quickGelu: x · sigmoid(1.702 x). Without gradients it writes into one buffer; the values must
// be those of the out-of-place form bit for bit, and with gradients it must differentiate.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../../src/index.js';

const { F } = torch;

describe('F.quickGelu', () => {
  for (const dtype of ['float32', 'bfloat16'] as const) {
    it(`without gradients equals x · sigmoid(1.702 x) exactly in ${dtype}, leaving x unchanged`, () => {
      torch.manualSeed(7);
      torch.scope(() => {
        const x = torch.randn([3, 5, 64]).mul(4).to(dtype);
        const before = [...(x.to('float32').data() as Float32Array)];
        const expected = x.mul(x.mul(1.702).sigmoid());
        const got = torch.inferenceMode(() => F.quickGelu(x));
        assert.equal(got.dtype, dtype);
        assert.deepEqual([...(got.to('float32').data() as Float32Array)], [...(expected.to('float32').data() as Float32Array)]);
        assert.deepEqual([...(x.to('float32').data() as Float32Array)], before);
      });
    });
  }

  it('with gradients matches the derivative sigmoid(1.702x) + 1.702x·s(1-s) within float64 precision', () => {
    torch.scope(() => {
      const values = [-3, -0.5, 0, 0.25, 2];
      const x = torch.tensor(values, { dtype: 'float64' }).requiresGrad_();
      F.quickGelu(x).sum().backward();
      const grad = [...(x.grad!.data() as Float64Array)];
      values.forEach((v, i) => {
        const s = 1 / (1 + Math.exp(-1.702 * v));
        assert.ok(Math.abs(grad[i]! - (s + 1.702 * v * s * (1 - s))) < 1e-12, `x = ${v}`);
      });
    });
  });
});
