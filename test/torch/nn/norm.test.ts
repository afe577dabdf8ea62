import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as torch from '../../../src/torch/index.js';
import * as nn from '../../../src/torch/nn/index.js';
import { assertClose, checkCase, golden, goldenGroup } from './golden.js';

const f64 = { dtype: 'float64' } as const;

describe('nn.LayerNorm, nn.GroupNorm and nn.BatchNorm against PyTorch 1.13', () => {
  it('LayerNorm over two trailing dims matches within 1e-5', () => {
    const norm = new nn.LayerNorm([4, 5], f64);
    checkCase('layer_norm', norm, (x) => [norm.forward(x.get('x')!)], ['x']);
    norm.dispose();
  });

  it('LayerNorm without elementwiseAffine has no state', () => {
    const norm = new nn.LayerNorm(4, { elementwiseAffine: false });
    assert.equal(norm.stateDict().size, 0);
    assert.equal(norm.weight, null);
  });

  it('GroupNorm matches within 1e-5', () => {
    const norm = new nn.GroupNorm(2, 6, f64);
    checkCase('group_norm', norm, (x) => [norm.forward(x.get('x')!)], ['x']);
    norm.dispose();
    assert.throws(() => new nn.GroupNorm(4, 6), { message: 'nn.GroupNorm: num_channels must be divisible by num_groups (numChannels 6, numGroups 4)' });
  });

  it('BatchNorm2d in training matches the output, gradients and updated running statistics within 1e-5, then eval uses them', () => {
    const bn = new nn.BatchNorm2d(3, f64);
    assert.deepEqual([...bn.stateDict().keys()], ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    checkCase('batch_norm2d', bn, (x) => [bn.forward(x.get('x')!)], ['x']);
    const after = goldenGroup('batch_norm2d/after');
    for (const [key, value] of bn.stateDict()) assertClose(value, after.get(key)!, 1e-5, `after the step: ${key}`);
    assert.equal(bn.numBatchesTracked!.dtype, 'int64');
    assert.equal(bn.numBatchesTracked!.item(), 1);
    bn.eval();
    torch.scope(() => assertClose(bn.forward(golden('batch_norm2d/eval/input')), golden('batch_norm2d/eval/output'), 1e-5, 'eval output'));
    assert.equal(bn.numBatchesTracked!.item(), 1, 'eval does not count batches');
    bn.dispose();
  });

  it('BatchNorm1d with momentum null keeps a cumulative average within 1e-5', () => {
    const bn = new nn.BatchNorm1d(3, { momentum: null, ...f64 });
    torch.scope(() => {
      for (const [, x] of goldenGroup('batch_norm1d_cumulative/input')) bn.forward(x);
    });
    for (const [key, expected] of goldenGroup('batch_norm1d_cumulative/after')) assertClose(bn.stateDict().get(key), expected, 1e-5, key);
    bn.dispose();
  });

  it('BatchNorm without trackRunningStats has no buffers and uses batch statistics in eval', () => {
    const bn = new nn.BatchNorm2d(2, { trackRunningStats: false, affine: false });
    assert.equal(bn.stateDict().size, 0);
    bn.eval();
    const mean = torch.scope(() => bn.forward(torch.randn([4, 2, 3, 3]).mul(5).add(3)).mean().item());
    assert.ok(Math.abs(mean) < 1e-5);
  });

  it('BatchNorm names the expected input rank', () => {
    const bn = new nn.BatchNorm2d(2);
    torch.scope(() => assert.throws(() => bn.forward(torch.zeros([2, 2])), { message: 'nn.BatchNorm2d: expected 4D input (got 2D input [2, 2])' }));
    const bn1 = new nn.BatchNorm1d(2);
    torch.scope(() => assert.throws(() => bn1.forward(torch.zeros([2, 2, 2, 2])), { message: 'nn.BatchNorm1d: expected 2D or 3D input (got 4D input [2, 2, 2, 2])' }));
    bn.dispose();
    bn1.dispose();
  });

  it('BatchNorm loads a checkpoint without num_batches_tracked, as PyTorch does for old ones', () => {
    const bn = new nn.BatchNorm2d(2);
    const state = torch.scope(() => torch.keep([torch.ones([2]), torch.zeros([2]), torch.full([2], 0.5), torch.full([2], 2)]));
    const result = bn.loadStateDict(new Map([['weight', state[0]], ['bias', state[1]], ['running_mean', state[2]], ['running_var', state[3]]]));
    assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
    assert.deepEqual(bn.runningMean!.toArray(), [0.5, 0.5]);
    torch.dispose(state);
    bn.dispose();
  });
});
