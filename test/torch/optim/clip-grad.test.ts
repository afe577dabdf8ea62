import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as optim from '../../../src/torch/optim/index.js';
import { zeros } from '../../../src/torch/ops/creation.js';
import { cos, pow } from '../../../src/torch/optim/libm.js';
import { assertGolden, fromFlat, golden, values } from './golden.js';

describe(`clipGradNorm_ against PyTorch ${golden.torch}`, () => {
  for (const c of golden.clip) {
    const normType = c.norm_type === 'inf' ? Infinity : c.norm_type;
    it(`${c.dtype}, maxNorm ${c.max_norm}, norm ${c.norm_type}, ${c.grads.length} tensors`, () => {
      const params = c.grads.map((g, i) => {
        const p = zeros(golden.shapes[i], { dtype: c.dtype }).requiresGrad_(true);
        p.grad = fromFlat(g, golden.shapes[i], c.dtype);
        return p;
      });
      const total = optim.clipGradNorm_(params, c.max_norm, normType);
      assertGolden([total], [c.total], 'total norm');
      params.forEach((p, i) => assertGolden(values(p.grad!), c.clipped[i], `clipped grad ${i}`));
    });
  }

  it('returns 0 without gradients, and errors on a non-finite norm only when asked', () => {
    const p = zeros([2], { dtype: 'float64' }).requiresGrad_(true);
    assert.equal(optim.clipGradNorm_([p], 1), 0);
    p.grad = zeros([2], { dtype: 'float64' }).add(Infinity);
    assert.throws(
      () => optim.clipGradNorm_(p, 1, 2, { errorIfNonfinite: true }),
      { message: 'The total norm of order 2 for gradients from `parameters` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set `errorIfNonfinite: false`' },
    );
    assert.equal(optim.clipGradNorm_(p, 1), Infinity);
  });

  it('clipGradValue_ clamps each gradient element', () => {
    const p = zeros([4], { dtype: 'float64' }).requiresGrad_(true);
    p.grad = fromFlat([-3, -0.5, 0.25, 9], [4], 'float64');
    optim.clipGradValue_([p], 1);
    assert.deepEqual(values(p.grad!), [-1, -0.5, 0.25, 1]);
  });
});

describe('C-library pow and cos (libm.ts) equal CPython\'s', () => {
  it(`pow: ${golden.libm.pow.length} (beta, step) pairs, including glibc's not correctly rounded ones`, () => {
    for (const [b, k, expected] of golden.libm.pow) assert.equal(pow(b, k), expected, `${b} ** ${k}`);
  });
  it(`cos: ${golden.libm.cos.length} schedule angles`, () => {
    for (const [x, expected] of golden.libm.cos) assert.equal(cos(x), expected, `cos(${x})`);
  });
});
