// Tensor creation, dtypes, devices, readback and the shape/semantics of core ops.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../src/index.js';

describe('creating tensors', () => {
  it('builds from nested arrays as float32 unless a dtype is given', () => {
    const t = torch.tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(t.shape, [2, 3]);
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.toArray(), [[1, 2, 3], [4, 5, 6]]);
    assert.equal(torch.tensor([[1, 2]], { dtype: 'int64' }).dtype, 'int64');
    assert.equal(torch.tensor([true, false]).dtype, 'bool');
  });

  it('keeps a typed array element type and takes an explicit shape', () => {
    const t = torch.tensor(new Int32Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2] });
    assert.equal(t.dtype, 'int32');
    assert.deepEqual(t.toArray(), [[1, 2], [3, 4], [5, 6]]);
    assert.deepEqual(torch.tensor(new BigInt64Array([5n, -7n])).toArray(), [5, -7]);
  });

  it('round-trips every dtype through readback', () => {
    for (const dtype of torch.dtypes) {
      const values = dtype === 'bool' ? [true, false, true] : dtype === 'uint8' ? [0, 7, 255] : [-2, 0.5, 3];
      const t = torch.tensor(values as number[], { dtype });
      assert.equal(t.dtype, dtype);
      const expected = dtype.startsWith('int') ? [-2, 0, 3] : values;
      assert.deepEqual(t.toArray(), expected, dtype);
    }
  });

  it('rejects ragged arrays and byte counts that do not match the shape', () => {
    assert.throws(() => torch.tensor([[1, 2], [3]]), /ragged nested array: expected length 2 at depth 1, got 1/);
    assert.throws(() => torch.tensor(new Float32Array(5), { shape: [2, 3] }), /torch\.tensor: shape \[2, 3\] holds 6 elements, the Float32Array has 5/);
    assert.deepEqual(torch.tensor([1, 2, 3], { shape: [1, 3, 1] }).shape, [1, 3, 1]);
    assert.throws(() => torch.tensor([1, 2, 3], { shape: [2, 2] }), /torch\.tensor: shape \[2, 2\] holds 4 elements, the data has 3/);
  });

  it('makes zeros, ones, full, arange, linspace, eye with the requested dtype', () => {
    assert.deepEqual(torch.zeros([2, 2], { dtype: 'int32' }).toArray(), [[0, 0], [0, 0]]);
    assert.deepEqual(torch.ones([3]).toArray(), [1, 1, 1]);
    assert.deepEqual(torch.full([2], 7.5, { dtype: 'float64' }).toArray(), [7.5, 7.5]);
    assert.deepEqual(torch.arange(2, 8, 2).toArray(), [2, 4, 6]);
    assert.equal(torch.arange(3).dtype, 'int64');
    assert.deepEqual(torch.arange(0, 1, 0.25).toArray(), [0, 0.25, 0.5, 0.75]);
    assert.deepEqual(torch.linspace(-1, 1, 5).toArray(), [-1, -0.5, 0, 0.5, 1]);
    assert.deepEqual(torch.eye(2).toArray(), [[1, 0], [0, 1]]);
  });

  it('draws the same random numbers after the same seed', () => {
    torch.manualSeed(42);
    const a = torch.randn([5]).toArray();
    const b = torch.rand([3]).toArray();
    const c = torch.randint(0, 10, [4]).toArray();
    torch.manualSeed(42);
    assert.deepEqual(torch.randn([5]).toArray(), a);
    assert.deepEqual(torch.rand([3]).toArray(), b);
    assert.deepEqual(torch.randint(0, 10, [4]).toArray(), c);
    assert.ok((c as number[]).every((v) => Number.isInteger(v) && v >= 0 && v < 10));
  });

  it('matches PyTorch 1.13 draws for seed 0 (the same generator)', () => {
    // torch.manual_seed(0); torch.rand(3) in PyTorch 1.13
    torch.manualSeed(0);
    const r = torch.rand([3], { dtype: 'float64' }).toArray() as number[];
    torch.manualSeed(0);
    const f = torch.rand([3]).toArray() as number[];
    assert.deepEqual(f.map((v) => v.toFixed(4)), ['0.4963', '0.7682', '0.0885']);
    assert.equal(r.length, 3);
  });

  it('saves and restores the generator state', () => {
    torch.manualSeed(1);
    const state = torch.getRngState();
    const first = torch.randn([4]).toArray();
    torch.randn([10]);
    torch.setRngState(state);
    assert.deepEqual(torch.randn([4]).toArray(), first);
  });
});

describe('reading tensors back', () => {
  it('gives typed arrays, nested arrays and scalars', () => {
    const t = torch.tensor([[1.5, 2.5]], { dtype: 'float64' });
    assert.ok(t.data() instanceof Float64Array);
    assert.equal(t.sum().item(), 4);
    assert.equal(torch.tensor([3], { dtype: 'int64' }).item(), 3);
    assert.throws(() => t.item(), /a tensor with 2 elements cannot be converted to a number/);
    assert.ok(torch.tensor([1, 2], { dtype: 'bfloat16' }).data() instanceof Float32Array);
  });

  it('reads non-contiguous views in logical order', () => {
    const t = torch.arange(6).reshape([2, 3]).t();
    assert.deepEqual(t.toArray(), [[0, 3], [1, 4], [2, 5]]);
    assert.deepEqual(t.strides, [1, 3]);
    assert.deepEqual(t.contiguous().strides, [2, 1]);
  });
});

describe('dtype and device conversion', () => {
  it('converts dtypes and reports the device', () => {
    const t = torch.tensor([1.7, -2.2]);
    assert.deepEqual(t.to('int32').toArray(), [1, -2]);
    assert.equal(t.double().dtype, 'float64');
    assert.equal(t.device, 'cpu');
    assert.equal(t.to({ device: 'cpu', dtype: 'float16' }).dtype, 'float16');
  });

  it('says clearly when CUDA is not there', () => {
    if (torch.cuda.isAvailable()) return;
    assert.throws(() => torch.ones([1]).to('cuda:0'), /Tensor\.to\(\[1\] float32, "cuda:0", 6\): .*(CUDA|cuda)/);
  });

  it('clones into new storage while views share it', () => {
    const t = torch.zeros([4]);
    const v = t.view([2, 2]);
    const c = t.clone();
    t.add_(1);
    assert.deepEqual(v.toArray(), [[1, 1], [1, 1]]);
    assert.deepEqual(c.toArray(), [0, 0, 0, 0]);
  });
});

describe('PyTorch semantics of common ops', () => {
  it('broadcasts and promotes types like PyTorch', () => {
    const a = torch.tensor([[1], [2]], { dtype: 'int64' });
    const b = torch.tensor([10, 20, 30], { dtype: 'int64' });
    assert.deepEqual(a.add(b).toArray(), [[11, 21, 31], [12, 22, 32]]);
    assert.equal(a.mul(2).dtype, 'int64');
    assert.equal(a.mul(2.5).dtype, 'float32');
    assert.equal(a.div(2).dtype, 'float32');
    assert.deepEqual(torch.tensor([7, -7], { dtype: 'int64' }).div(2, 'floor').toArray(), [3, -4]);
    assert.equal(a.add(torch.tensor([1.5], { dtype: 'float64' })).dtype, 'float64');
  });

  it('reduces along negative dims with keepdim', () => {
    const t = torch.arange(24, undefined, 1, { dtype: 'float32' }).reshape([2, 3, 4]);
    assert.deepEqual(t.sum(-1).shape, [2, 3]);
    assert.deepEqual(t.sum([-1, 0], { keepdim: true }).shape, [1, 3, 1]);
    assert.deepEqual(t.mean([0, 1]).toArray(), [10, 11, 12, 13]);
    const { values, indices } = t.max(1);
    assert.deepEqual(values.toArray(), [[8, 9, 10, 11], [20, 21, 22, 23]]);
    assert.deepEqual(indices.toArray(), [[2, 2, 2, 2], [2, 2, 2, 2]]);
    assert.deepEqual(t.argmax().toArray(), 23);
    assert.equal(torch.tensor([1, 2, 3, 4]).var().item(), 1.6666666269302368);
    assert.equal(torch.tensor([3, 4]).norm().item(), 5);
  });

  it('compares, selects and combines logically', () => {
    const t = torch.tensor([1, 5, 3]);
    assert.deepEqual(t.gt(2).toArray(), [false, true, true]);
    assert.deepEqual(t.eq(torch.tensor([1, 0, 3])).toArray(), [true, false, true]);
    assert.deepEqual(torch.where(t.gt(2), t, 0).toArray(), [0, 5, 3]);
    assert.deepEqual(t.clamp(2, 4).toArray(), [2, 4, 3]);
    assert.deepEqual(t.clamp(undefined, 2).toArray(), [1, 2, 2]);
    assert.deepEqual(t.gt(2).logicalAnd(t.lt(4)).toArray(), [false, false, true]);
    assert.deepEqual(t.gt(2).logicalNot().toArray(), [true, false, false]);
  });

  it('reshapes, splits, joins and indexes', () => {
    const t = torch.arange(12).reshape([3, 4]);
    assert.deepEqual(t.view([-1]).shape, [12]);
    assert.deepEqual(t.permute([1, 0]).shape, [4, 3]);
    assert.deepEqual(t.unsqueeze(0).expand([2, 3, 4]).shape, [2, 3, 4]);
    assert.deepEqual(t.repeat([2, 1]).shape, [6, 4]);
    assert.deepEqual(t.split([1, 3], 1).map((x) => x.shape), [[3, 1], [3, 3]]);
    assert.deepEqual(t.chunk(2, 1).map((x) => x.shape), [[3, 2], [3, 2]]);
    assert.deepEqual(t.slice(1, -2).toArray(), [[2, 3], [6, 7], [10, 11]]);
    assert.deepEqual(t.select(0, -1).toArray(), [8, 9, 10, 11]);
    assert.deepEqual(t.narrow(0, 1, 1).toArray(), [[4, 5, 6, 7]]);
    assert.deepEqual(t.indexSelect(1, torch.tensor([3, 0], { dtype: 'int64' })).toArray(), [[3, 0], [7, 4], [11, 8]]);
    assert.deepEqual(t.index([torch.tensor([0, 2], { dtype: 'int64' }), null]).shape, [2, 4]);
    assert.deepEqual(torch.cat([t, t], 0).shape, [6, 4]);
    assert.deepEqual(torch.stack([t, t], -1).shape, [3, 4, 2]);
    assert.deepEqual(t.flatten().shape, [12]);
    assert.deepEqual(t.reshape([1, 3, 1, 4]).squeeze().shape, [3, 4]);
    assert.deepEqual(t.maskedFill(t.gt(9), -1).toArray(), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, -1, -1]]);
  });

  it('multiplies matrices in every layout PyTorch accepts', () => {
    const a = torch.ones([2, 3, 4]);
    assert.deepEqual(a.matmul(torch.ones([4, 5])).shape, [2, 3, 5]);
    assert.deepEqual(torch.ones([4]).matmul(torch.ones([4])).shape, []);
    assert.deepEqual(a.bmm(torch.ones([2, 4, 1])).toArray(), [[[4], [4], [4]], [[4], [4], [4]]]);
  });
});
