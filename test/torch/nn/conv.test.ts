import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as torch from '../../../src/torch/index.js';
import * as nn from '../../../src/torch/nn/index.js';
import { assertClose, checkCase, goldenGroup } from './golden.js';

const f64 = { dtype: 'float64' } as const;

describe('nn.Conv1d, nn.Conv2d and nn.ConvTranspose2d against PyTorch 1.13', () => {
  it('Conv1d with stride, padding, dilation and groups matches within 1e-5', () => {
    const conv = new nn.Conv1d(4, 6, 3, { stride: 2, padding: 1, dilation: 2, groups: 2, ...f64 });
    assert.deepEqual(conv.weight.shape, [6, 2, 3]);
    checkCase('conv1d', conv, (x) => [conv.forward(x.get('x')!)], ['x']);
    conv.dispose();
  });

  it('Conv2d with per-dim stride, padding and dilation and groups matches within 1e-5', () => {
    const conv = new nn.Conv2d(4, 6, 3, { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2, ...f64 });
    checkCase('conv2d', conv, (x) => [conv.forward(x.get('x')!)], ['x']);
    conv.dispose();
  });

  it("Conv2d with padding 'same', an even kernel and no bias matches within 1e-5", () => {
    const conv = new nn.Conv2d(3, 4, [3, 2], { padding: 'same', dilation: 2, bias: false, ...f64 });
    assert.deepEqual([...conv.stateDict().keys()], ['weight']);
    checkCase('conv2d_same', conv, (x) => [conv.forward(x.get('x')!)], ['x']);
    conv.dispose();
  });

  it("Conv2d with paddingMode 'reflect' matches within 1e-5", () => {
    const conv = new nn.Conv2d(2, 3, 3, { padding: 1, paddingMode: 'reflect', ...f64 });
    checkCase('conv2d_reflect', conv, (x) => [conv.forward(x.get('x')!)], ['x']);
    conv.dispose();
  });

  it('ConvTranspose2d with stride, padding, outputPadding and groups matches within 1e-5', () => {
    const conv = new nn.ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2, ...f64 });
    assert.deepEqual(conv.weight.shape, [4, 3, 3, 3]);
    checkCase('conv_transpose2d', conv, (x) => [conv.forward(x.get('x')!)], ['x']);
    conv.dispose();
  });

  it('ConvTranspose2d picks the output padding for a requested outputSize, within 1e-5', () => {
    const conv = new nn.ConvTranspose2d(3, 2, 2, { stride: 3, dilation: 2, ...f64 });
    checkCase('conv_transpose2d_size', conv, (x) => [conv.forward(x.get('x')!, [13, 14])], ['x']);
    torch.scope(() => {
      assert.throws(() => conv.forward(torch.zeros([1, 3, 4, 4], f64), [20, 14]), {
        message: 'nn.ConvTranspose2d: requested an output size of [20, 14], but valid sizes range from [12, 12] to [14, 14] (for an input of [4, 4])',
      });
    });
    conv.dispose();
  });

  it('Conv2d and ConvTranspose2d start from the same weights as PyTorch after the same manualSeed', () => {
    for (const [name, build] of [
      ['conv2d', () => new nn.Conv2d(3, 4, 3)],
      ['conv_transpose2d', () => new nn.ConvTranspose2d(4, 2, 3, { groups: 2 })],
    ] as const) {
      torch.manualSeed(0);
      const conv = build();
      for (const [key, expected] of goldenGroup(`init/${name}`)) assertClose(conv.stateDict().get(key), expected, 1e-7, `${name} init ${key}`);
      conv.dispose();
    }
  });

  it('validates its arguments in the caller’s words', () => {
    assert.throws(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), { message: 'nn.Conv2d: in_channels must be divisible by groups (inChannels 3, groups 2)' });
    assert.throws(() => new nn.Conv2d(4, 3, 3, { groups: 2 }), { message: 'nn.Conv2d: out_channels must be divisible by groups (outChannels 3, groups 2)' });
    assert.throws(() => new nn.Conv2d(4, 4, 3, { padding: 'same', stride: 2 }), {
      message: "nn.Conv2d: padding='same' is not supported for strided convolutions (stride [2, 2])",
    });
    assert.throws(() => new nn.Conv2d(4, 4, [3, 3, 3] as unknown as [number, number]), { message: 'nn.Conv2d: kernelSize must be a number or 2 numbers, got [3, 3, 3]' });
  });
});
