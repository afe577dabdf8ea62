// Op wrappers against values PyTorch 1.13 computed (tools/make-ops-golden.py): argument order,
// defaults and options must reach libtorch exactly as Python's binding passes them.
import { describe, it } from 'node:test';
import { torch } from '../../../src/index.js';
import { assertClose, det, fixturePath, readJson } from '../../helpers.js';

const { F } = torch;
const golden = readJson<{ cases: Record<string, { shape: number[]; values: number[] }> }>(fixturePath('ops', 'golden.json')).cases;

function check(name: string, make: () => torch.Tensor, atol = 1e-10): void {
  it(`${name} matches PyTorch within ${atol}`, () => {
    torch.scope(() => {
      const expected = golden[name];
      assertClose(make(), expected.values, atol, name, expected.shape);
    });
  });
}

describe('resampling (F.interpolate)', () => {
  const x = () => det([1, 2, 5, 6]);
  check('interpolate_nearest_size', () => F.interpolate(x(), { size: [7, 9], mode: 'nearest' }));
  check('interpolate_nearest_scale', () => F.interpolate(x(), { scaleFactor: 1.7, mode: 'nearest' }));
  check('interpolate_nearest_exact', () => F.interpolate(x(), { size: [3, 4], mode: 'nearest-exact' }));
  check('interpolate_bilinear', () => F.interpolate(x(), { size: [8, 11], mode: 'bilinear', alignCorners: false }));
  check('interpolate_bilinear_ac', () => F.interpolate(x(), { size: [8, 11], mode: 'bilinear', alignCorners: true }));
  check('interpolate_bilinear_scale', () => F.interpolate(x(), { scaleFactor: 2.5, mode: 'bilinear' }));
  check('interpolate_bicubic', () => F.interpolate(x(), { size: [8, 11], mode: 'bicubic' }));
  check('interpolate_bicubic_ac', () => F.interpolate(x(), { size: [8, 11], mode: 'bicubic', alignCorners: true }));
  check('interpolate_bilinear_aa_down', () => F.interpolate(det([1, 1, 12, 14]), { size: [5, 4], mode: 'bilinear', antialias: true }));
  check('interpolate_bicubic_aa_down', () => F.interpolate(det([1, 1, 12, 14]), { size: [5, 4], mode: 'bicubic', antialias: true }));
  check('interpolate_area', () => F.interpolate(x(), { size: [2, 3], mode: 'area' }));
  check('interpolate_linear_1d', () => F.interpolate(det([2, 3, 7]), { size: 12, mode: 'linear' }));
});

describe('convolution and pooling', () => {
  const inp = () => det([2, 4, 7, 6]);
  check('conv2d_groups', () =>
    F.conv2d(inp(), det([6, 2, 3, 3], { scale: 0.5, shift: 0.1 }), det([6], { scale: 0.2 }), { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 }));
  check('conv2d_same', () => F.conv2d(inp(), det([3, 4, 3, 3]), null, { padding: 'same' }));
  check('conv_transpose2d', () => F.convTranspose2d(inp(), det([4, 3, 4, 4], { scale: 0.3 }), det([3]), { stride: 2, padding: 1, outputPadding: 1 }));
  check('conv1d', () => F.conv1d(det([2, 3, 9]), det([5, 3, 3]), det([5]), { stride: 2, padding: 1 }));
  check('avg_pool2d', () => F.avgPool2d(inp(), 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }));
  check('max_pool2d', () => F.maxPool2d(inp(), 2, { stride: 2, padding: 1 }));
  check('adaptive_avg_pool2d', () => F.adaptiveAvgPool2d(inp(), [3, 4]));
});

describe('normalisation', () => {
  const inp = () => det([2, 4, 7, 6]);
  check('layer_norm', () => F.layerNorm(inp(), [7, 6], det([7, 6], { shift: 1 }), det([7, 6], { scale: 0.1 }), 1e-5));
  check('group_norm', () => F.groupNorm(inp(), 2, det([4], { shift: 1 }), det([4], { scale: 0.1 })));
  it('batch_norm in training matches PyTorch and updates the running statistics in place', () => {
    torch.scope(() => {
      const rm = det([4], { scale: 0.1 });
      const rv = det([4], { scale: 0.1, shift: 1 });
      const out = F.batchNorm(inp(), rm, rv, det([4], { shift: 1 }), det([4], { scale: 0.1 }), { training: true, momentum: 0.3 });
      assertClose(out, golden.batch_norm_train.values, 1e-10, 'output');
      assertClose(rm, golden.batch_norm_train_running_mean.values, 1e-12, 'running_mean');
      assertClose(rv, golden.batch_norm_train_running_var.values, 1e-12, 'running_var');
      const evalOut = F.batchNorm(inp(), rm, rv, det([4], { shift: 1 }), det([4], { scale: 0.1 }), { training: false });
      assertClose(evalOut, golden.batch_norm_eval.values, 1e-10, 'eval');
    });
  });
});

describe('reductions and activations', () => {
  const inp = () => det([2, 4, 7, 6]);
  check('var_dim', () => inp().var([1, 3], { keepdim: true }));
  check('std_biased', () => inp().std(-1, { correction: 0 }));
  check('norm_p3', () => inp().norm(3, [0, 2]));
  check('softmax', () => inp().softmax(-1));
  check('log_softmax', () => inp().logSoftmax(1));
  check('gelu_tanh', () => F.gelu(inp(), 'tanh'));
  check('gelu', () => F.gelu(inp()));
  check('logsumexp', () => inp().logsumexp([2, 3]));
  check('cumsum', () => det([3, 4]).cumsum(1));
});

describe('losses', () => {
  const target = () => det([2, 4, 7, 6], { scale: 0.5, shift: 0.5 }).gt(0.5).double();
  check('bce_with_logits_mean', () => F.binaryCrossEntropyWithLogits(det([2, 4, 7, 6]), target()).reshape([1]));
  check('bce_with_logits_pos_weight_sum', () =>
    F.binaryCrossEntropyWithLogits(det([2, 4, 7, 6]), target(), { posWeight: torch.tensor([2], { dtype: 'float64' }), reduction: 'sum' }).reshape([1]));
});

describe('padding, indexing and products', () => {
  const inp = () => det([2, 4, 7, 6]);
  check('pad_reflect', () => F.pad(inp(), [1, 2, 2, 1], 'reflect'));
  check('pad_replicate', () => F.pad(inp(), [1, 2, 2, 1], 'replicate'));
  check('pad_constant', () => F.pad(inp(), [1, 2], 'constant', 3.5));
  const idx = () => torch.tensor([[0, 2, 1], [1, 0, 0]], { dtype: 'int64' });
  check('gather', () => det([2, 3]).gather(1, idx()));
  check('scatter', () => torch.zeros([2, 4], { dtype: 'float64' }).scatter(1, idx(), det([2, 3])));
  check('addmm', () => torch.addmm(det([2, 4]), det([2, 3]), det([3, 4]), { beta: 0.5, alpha: 2 }));
  check('baddbmm', () => torch.baddbmm(det([2, 2, 4]), det([2, 2, 3]), det([2, 3, 4]), { beta: 0.5, alpha: 2 }));
  check('einsum', () => torch.einsum('bij,bjk->bik', det([2, 2, 3]), det([2, 3, 4])));
  check('attention_masked', () => {
    const keep = torch.tensor([true, true, true, true, false, false]);
    return F.scaledDotProductAttention(det([2, 3, 4, 5]), det([2, 3, 6, 5], { scale: 0.7 }), det([2, 3, 6, 5], { scale: 0.4 }), { attnMask: keep });
  });
});
