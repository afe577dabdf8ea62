// torch.autocast regions: state restored on return and throw, nesting and opt-out, the weight-cast
// cache, refused options, and gradients that flow back to float32 weights.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../../src/index.js';

const cpuBf16 = { deviceType: 'cpu', dtype: 'bfloat16' } as const;

describe('torch.autocast', () => {
  it('turns CPU autocast on inside the region only, and restores it after a throw', () => {
    assert.equal(torch.autocastState('cpu').enabled, false);
    const inside = torch.autocast(cpuBf16, () => torch.autocastState('cpu'));
    assert.deepEqual(inside, { enabled: true, dtype: 'bfloat16' });
    assert.equal(torch.autocastState('cpu').enabled, false);
    assert.throws(() => torch.autocast(cpuBf16, () => { throw new Error('boom'); }), /boom/);
    assert.equal(torch.autocastState('cpu').enabled, false);
    assert.equal(torch.matmul(torch.ones([2, 2]), torch.ones([2, 2])).dtype, 'float32');
  });

  it('nests: an inner enabled:false region computes in float32, the outer one resumes', () => {
    const a = torch.rand([3, 4]);
    const b = torch.rand([4, 2]);
    const dtypes = torch.autocast(cpuBf16, () => {
      const before = torch.matmul(a, b).dtype;
      const inner = torch.autocast({ deviceType: 'cpu', enabled: false }, () => torch.matmul(a, b).dtype);
      return [before, inner, torch.matmul(a, b).dtype];
    });
    assert.deepEqual(dtypes, ['bfloat16', 'float32', 'bfloat16']);
  });

  it('computes a linear layer as PyTorch does: bfloat16 result close to float32, gradients in float32', () => {
    torch.manualSeed(0);
    const layer = new torch.nn.Linear(16, 8);
    const x = torch.randn([4, 16]);
    const reference = layer.forward(x);
    const out = torch.autocast(cpuBf16, () => layer.forward(x));
    assert.equal(out.dtype, 'bfloat16');
    // bfloat16 keeps 8 significant bits: relative error up to 2^-8 per rounding, a few roundings here.
    const diff = out.float().sub(reference).abs().max().item() as number;
    assert.ok(diff < 0.05, `max |bf16 - fp32| = ${diff}`);
    out.float().sum().backward();
    assert.equal(layer.weight.grad!.dtype, 'float32');
    assert.ok((layer.weight.grad!.abs().sum().item() as number) > 0);
  });

  it('refuses float16 on the CPU, CUDA without a GPU, unknown devices and Promise-returning functions', () => {
    assert.throws(() => torch.autocast({ deviceType: 'cpu', dtype: 'float16' }, () => 0), /on 'cpu', libtorch 1.13 autocasts to bfloat16 only/);
    if (!torch.cuda.isAvailable()) {
      assert.throws(() => torch.autocast({ deviceType: 'cuda' }, () => 0), /CUDA is not available/);
    }
    assert.throws(() => torch.autocast({ deviceType: 'tpu' as 'cpu' }, () => 0), /deviceType must be 'cpu' or 'cuda', got "tpu"/);
    assert.throws(() => torch.autocast(cpuBf16, async () => 0), /cannot span an await/);
    assert.equal(torch.autocastState('cpu').enabled, false);
  });
});
