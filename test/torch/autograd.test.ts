// The autograd API: requiresGrad, backward with a gradient, accumulation, modes, and errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../src/index.js';

describe('autograd', () => {
  it('computes gradients of a scalar and accumulates them across backward calls', () => {
    const x = torch.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    x.mul(x).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [2, 4, 6]);
    x.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [3, 5, 7]);
    x.grad = null;
    assert.equal(x.grad, undefined);
  });

  it('back-propagates a given output gradient for non-scalar outputs', () => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    x.mul(3).backward(torch.tensor([1, 10]));
    assert.deepEqual(x.grad!.toArray(), [3, 30]);
  });

  it('explains a backward through a tensor that does not require grad', () => {
    const x = torch.tensor([1, 2]);
    assert.throws(() => x.sum().backward(), /does not require grad/);
  });

  it('knows leaves, grad functions and detach', () => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    assert.equal(x.isLeaf, true);
    assert.equal(y.isLeaf, false);
    assert.match(y.gradFn!, /^MulBackward/);
    assert.equal(y.detach().requiresGrad, false);
    y.retainGrad();
    y.sum().backward();
    assert.deepEqual(y.grad!.toArray(), [1, 1]);
  });

  it('records nothing under noGrad and inferenceMode, and restores the mode after a throw', () => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    assert.equal(torch.noGrad(() => x.mul(2)).requiresGrad, false);
    assert.equal(torch.noGrad(() => torch.enableGrad(() => x.mul(2))).requiresGrad, true);
    assert.equal(torch.inferenceMode(() => x.mul(2)).requiresGrad, false);
    assert.throws(() => torch.noGrad(() => { throw new Error('inside'); }), /inside/);
    assert.equal(torch.isGradEnabled(), true);
    assert.equal(torch.isInferenceModeEnabled(), false);
  });

  it('supports second derivatives with createGraph', () => {
    const x = torch.tensor([2], { dtype: 'float64', requiresGrad: true });
    const y = x.pow(3).sum();
    y.backward(undefined, { createGraph: true });
    const g = x.grad!;
    assert.deepEqual(g.toArray(), [12]);
    x.grad = null;
    g.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [12]);
  });
});
