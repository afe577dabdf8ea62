// Every differentiable op of the engine, checked against central finite differences in float64.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../src/index.js';
import { det } from '../helpers.js';

const { F } = torch;
type T = torch.Tensor;

const leaf = (shape: number[], o: { scale?: number; shift?: number } = {}): T => det(shape, o).requiresGrad_();
const positive = (shape: number[]): T => det(shape, { scale: 0.4, shift: 1 }).requiresGrad_();

const cases: [string, () => T[], (...x: T[]) => T][] = [
  ['add (broadcast)', () => [leaf([2, 3]), leaf([3])], (a, b) => a.add(b, 0.5)],
  ['add scalar', () => [leaf([2, 3])], (a) => a.add(2)],
  ['sub', () => [leaf([2, 3]), leaf([2, 1])], (a, b) => a.sub(b)],
  ['mul', () => [leaf([2, 3]), leaf([2, 3], { shift: 0.5 })], (a, b) => a.mul(b)],
  ['div', () => [leaf([2, 3]), positive([2, 3])], (a, b) => a.div(b)],
  ['pow tensor-scalar', () => [positive([2, 3])], (a) => a.pow(2.5)],
  ['pow tensor-tensor', () => [positive([2, 3]), leaf([2, 3])], (a, b) => a.pow(b)],
  ['neg, abs', () => [leaf([5], { shift: 0.05 })], (a) => a.neg().abs()],
  ['exp', () => [leaf([4])], (a) => a.exp()],
  ['log', () => [positive([4])], (a) => a.log()],
  ['sqrt', () => [positive([4])], (a) => a.sqrt()],
  ['rsqrt', () => [positive([4])], (a) => a.rsqrt()],
  ['sin, cos', () => [leaf([4])], (a) => a.sin().mul(a.cos())],
  ['tanh', () => [leaf([4])], (a) => a.tanh()],
  ['sigmoid', () => [leaf([4])], (a) => a.sigmoid()],
  ['relu', () => [leaf([6], { shift: 0.05 })], (a) => a.relu()],
  ['gelu exact', () => [leaf([6])], (a) => F.gelu(a)],
  ['gelu tanh', () => [leaf([6])], (a) => F.gelu(a, 'tanh')],
  ['erf', () => [leaf([6])], (a) => a.erf()],
  ['softmax', () => [leaf([2, 5])], (a) => a.softmax(-1)],
  ['logSoftmax', () => [leaf([2, 5])], (a) => a.logSoftmax(0)],
  ['clamp', () => [leaf([8], { scale: 2 })], (a) => a.clamp(-0.93, 1.07)],
  ['where', () => [leaf([6]), leaf([6], { scale: 0.5 })], (a, b) => torch.where(a.detach().gt(0), a, b)],
  ['maskedFill', () => [leaf([2, 3])], (a) => a.maskedFill(torch.tensor([true, false, true]), 0.5)],
  ['matmul (batched broadcast)', () => [leaf([2, 3, 4]), leaf([4, 2])], (a, b) => a.matmul(b)],
  ['bmm', () => [leaf([2, 3, 4]), leaf([2, 4, 2])], (a, b) => a.bmm(b)],
  ['addmm', () => [leaf([3]), leaf([2, 4]), leaf([4, 3])], (c, a, b) => torch.addmm(c, a, b, { beta: 0.5, alpha: 2 })],
  ['linear', () => [leaf([2, 4]), leaf([3, 4]), leaf([3])], (x, w, b) => F.linear(x, w, b)],
  ['sum, mean along dims', () => [leaf([2, 3, 4])], (a) => a.sum(-1).mean(0, { keepdim: true })],
  ['max, min along a dim', () => [leaf([3, 4])], (a) => a.max(1).values.add(a.min(0).values.sum())],
  ['amax', () => [leaf([3, 4])], (a) => a.amax([0, 1])],
  ['var, std', () => [leaf([3, 4])], (a) => a.var(1).add(a.std(0, { correction: 0 }).sum())],
  ['norm', () => [leaf([3, 4])], (a) => a.norm(2, 1)],
  ['logsumexp', () => [leaf([3, 4])], (a) => a.logsumexp(1)],
  ['view, reshape, permute, transpose, flatten', () => [leaf([2, 3, 4])], (a) => a.view([6, 4]).reshape([2, 12]).view([2, 3, 4]).permute([2, 0, 1]).transpose(0, 2).flatten(1)],
  ['unsqueeze, squeeze, expand, repeat', () => [leaf([3])], (a) => a.unsqueeze(0).expand([2, 3]).repeat([2, 1]).unsqueeze(-1).squeeze(-1)],
  ['cat, stack', () => [leaf([2, 3]), leaf([2, 3])], (a, b) => torch.stack([torch.cat([a, b], 1), torch.cat([b, a], 1)], 0)],
  ['split, chunk', () => [leaf([6, 2])], (a) => a.split(2)[1].mul(a.chunk(3, 0)[2])],
  ['narrow, slice, select', () => [leaf([5, 4])], (a) => a.narrow(0, 1, 3).slice(1, 1, undefined, 2).select(1, 0)],
  ['indexSelect, gather', () => [leaf([4, 3])], (a) => a.indexSelect(0, torch.tensor([3, 0, 3], { dtype: 'int64' })).gather(1, torch.tensor([[0], [2], [1]], { dtype: 'int64' }))],
  ['scatter', () => [leaf([2, 4]), leaf([2, 2])], (a, s) => a.scatter(1, torch.tensor([[0, 3], [2, 1]], { dtype: 'int64' }), s)],
  ['pad (constant, reflect)', () => [leaf([1, 2, 3, 3])], (a) => F.pad(F.pad(a, [1, 1, 2, 0], 'reflect'), [1, 0], 'constant', 2)],
  ['conv1d', () => [leaf([2, 3, 7]), leaf([4, 3, 3]), leaf([4])], (x, w, b) => F.conv1d(x, w, b, { stride: 2, padding: 1 })],
  ['conv2d (groups, stride, padding, dilation)', () => [leaf([1, 4, 6, 5]), leaf([4, 2, 3, 3]), leaf([4])],
    (x, w, b) => F.conv2d(x, w, b, { stride: [2, 1], padding: 1, dilation: [1, 2], groups: 2 })],
  ['convTranspose2d', () => [leaf([1, 3, 3, 3]), leaf([3, 2, 4, 4]), leaf([2])], (x, w, b) => F.convTranspose2d(x, w, b, { stride: 2, padding: 1 })],
  ['layerNorm', () => [leaf([2, 3, 4]), leaf([4], { shift: 1 }), leaf([4])], (x, w, b) => F.layerNorm(x, [4], w, b)],
  ['batchNorm (training)', () => [leaf([3, 2, 2, 2]), leaf([2], { shift: 1 }), leaf([2])], (x, w, b) => F.batchNorm(x, null, null, w, b, { training: true })],
  ['groupNorm', () => [leaf([2, 4, 3]), leaf([4], { shift: 1 }), leaf([4])], (x, w, b) => F.groupNorm(x, 2, w, b)],
  ['embedding', () => [leaf([5, 3])], (w) => F.embedding(torch.tensor([[1, 4], [4, 0]], { dtype: 'int64' }), w)],
  ['interpolate nearest', () => [leaf([1, 2, 3, 4])], (x) => F.interpolate(x, { size: [5, 7], mode: 'nearest' })],
  ['interpolate bilinear', () => [leaf([1, 2, 3, 4])], (x) => F.interpolate(x, { size: [5, 7], mode: 'bilinear', alignCorners: true })],
  ['interpolate bicubic', () => [leaf([1, 2, 3, 4])], (x) => F.interpolate(x, { size: [5, 7], mode: 'bicubic' })],
  ['interpolate bilinear antialias', () => [leaf([1, 1, 8, 8])], (x) => F.interpolate(x, { size: [3, 5], mode: 'bilinear', antialias: true })],
  ['avgPool2d', () => [leaf([1, 2, 5, 5])], (x) => F.avgPool2d(x, 2, { stride: 2, ceilMode: true })],
  ['maxPool2d', () => [leaf([1, 2, 4, 4])], (x) => F.maxPool2d(x, 2)],
  ['adaptiveAvgPool2d', () => [leaf([1, 2, 5, 7])], (x) => F.adaptiveAvgPool2d(x, [2, 3])],
  ['binaryCrossEntropyWithLogits', () => [leaf([2, 5])], (x) => F.binaryCrossEntropyWithLogits(x, det([2, 5]).gt(0).double())],
  ['mseLoss', () => [leaf([2, 5]), leaf([2, 5], { scale: 0.3 })], (x, y) => F.mseLoss(x, y)],
  ['scaledDotProductAttention with a causal mask', () => [leaf([2, 3, 4]), leaf([2, 3, 4], { scale: 0.5 }), leaf([2, 3, 4], { shift: 0.2 })],
    (q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true })],
];

describe('gradients against finite differences (float64)', () => {
  for (const [name, makeInputs, fn] of cases) {
    it(`${name}`, () => {
      torch.manualSeed(7);
      const inputs = makeInputs();
      assert.equal(torch.gradcheck(fn, inputs), true);
      torch.dispose(inputs);
    });
  }

  it('gradcheck itself rejects a wrong gradient', () => {
    // x * detach(x) has gradient x, not 2x: the check must notice.
    const x = leaf([4], { shift: 1 });
    assert.throws(() => torch.gradcheck((a) => a.mul(a.detach()).add(a.detach().mul(a.detach())), [x]), /analytical directional derivative/);
  });

  it('dropout keeps the expected scale and gradient mask', () => {
    torch.manualSeed(3);
    const x = torch.ones([1000], { dtype: 'float64' }).requiresGrad_();
    const y = F.dropout(x, 0.25, true);
    y.sum().backward();
    const kept = (y.data() as Float64Array).filter((v) => v !== 0);
    assert.ok(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-12));
    assert.ok(kept.length > 700 && kept.length < 800, `${kept.length} kept`);
    assert.deepEqual(Array.from(x.grad!.data() as Float64Array), Array.from(y.data() as Float64Array));
    assert.deepEqual(F.dropout(x, 0.25, false).toArray(), x.toArray());
  });
});
