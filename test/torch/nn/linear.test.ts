import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as torch from '../../../src/torch/index.js';
import * as nn from '../../../src/torch/nn/index.js';
import { assertClose, checkCase, goldenGroup } from './golden.js';

describe('nn.Linear against PyTorch 1.13 (test/fixtures/nn)', () => {
  it('matches the output and every gradient within 1e-5 after to(float64)', () => {
    const linear = new nn.Linear(5, 4).to('float64');
    checkCase('linear', linear, (x) => [linear.forward(x.get('x')!)], ['x']);
    linear.dispose();
  });

  it('has no bias key and matches without a bias within 1e-5', () => {
    const linear = new nn.Linear(5, 4, { bias: false, dtype: 'float64' });
    assert.deepEqual([...linear.stateDict().keys()], ['weight']);
    assert.equal(linear.bias, null);
    checkCase('linear_nobias', linear, (x) => [linear.forward(x.get('x')!)], ['x']);
    linear.dispose();
  });

  it('starts from the same weights as PyTorch after the same manualSeed', () => {
    torch.manualSeed(0);
    const linear = new nn.Linear(5, 4);
    for (const [key, expected] of goldenGroup('init/linear')) assertClose(linear.stateDict().get(key), expected, 1e-7, `init ${key}`);
    linear.dispose();
  });

  it('draws weights within ±1/√inFeatures', () => {
    const linear = new nn.Linear(100, 3);
    const bound = 1 / Math.sqrt(100);
    assert.ok(torch.scope(() => linear.weight.abs().max().item()) <= bound);
    assert.ok(torch.scope(() => linear.bias!.abs().max().item()) <= bound);
    linear.dispose();
  });

  it('rejects a negative size, naming the argument', () => {
    assert.throws(() => new nn.Linear(-1, 3), { message: 'nn.Linear: inFeatures must be a non-negative integer, got -1' });
  });
});
