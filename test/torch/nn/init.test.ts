import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as torch from '../../../src/torch/index.js';
import { init } from '../../../src/torch/nn/index.js';
import { assertClose, golden } from './golden.js';

describe('nn.init', () => {
  it('truncNormal_ draws PyTorch’s values after the same manualSeed, within [a, b]', () => {
    torch.scope(() => {
      torch.manualSeed(0);
      const t = init.truncNormal_(torch.empty([500]), { mean: 0.5, std: 2, a: -1, b: 3 });
      assertClose(t, golden('init/trunc_normal'), 1e-5, 'trunc normal');
      assert.ok(t.min().item() >= -1 && t.max().item() <= 3);
    });
  });

  it('kaimingNormal_ with fan_out and relu draws PyTorch’s values after the same manualSeed', () => {
    torch.scope(() => {
      torch.manualSeed(0);
      assertClose(init.kaimingNormal_(torch.empty([20, 6, 3]), { mode: 'fan_out', nonlinearity: 'relu' }), golden('init/kaiming_normal'), 1e-6, 'kaiming normal');
    });
  });

  it('xavierUniform_ stays within gain·√(6 / (fanIn + fanOut)) and the constant initialisers fill', () => {
    torch.scope(() => {
      const t = init.xavierUniform_(torch.empty([30, 20]), 2);
      assert.ok(t.abs().max().item() <= 2 * Math.sqrt(6 / 50));
      assert.equal(init.ones_(torch.empty([3])).sum().item(), 3);
      assert.equal(init.zeros_(torch.ones([3])).sum().item(), 0);
      assert.equal(init.constant_(torch.empty([2]), 0.5).sum().item(), 1);
    });
  });

  it('computes fans and gains as PyTorch, and refuses fans of a 1-d tensor', () => {
    torch.scope(() => {
      assert.deepEqual(init.calculateFanInAndFanOut(torch.empty([8, 4, 3, 3])), { fanIn: 36, fanOut: 72 });
      assert.throws(() => init.calculateFanInAndFanOut(torch.empty([5])), {
        message: 'nn.init: fan in and fan out can not be computed for tensor with fewer than 2 dimensions (got shape [5])',
      });
    });
    assert.equal(init.calculateGain('relu'), Math.SQRT2);
    assert.equal(init.calculateGain('leaky_relu', Math.sqrt(5)), Math.sqrt(1 / 3));
    assert.equal(init.calculateGain('tanh'), 5 / 3);
  });

  it('does not record gradients on a parameter that requires them', () => {
    torch.scope(() => {
      const w = torch.empty([3, 3]).requiresGrad_();
      init.kaimingUniform_(w, { a: Math.sqrt(5) });
      assert.ok(w.isLeaf);
      assert.equal(w.gradFn, undefined);
    });
  });
});
