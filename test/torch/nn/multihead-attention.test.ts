import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as torch from '../../../src/torch/index.js';
import * as nn from '../../../src/torch/nn/index.js';
import { assertClose, checkCase, goldenGroup, meta } from './golden.js';

const f64 = { dtype: 'float64' } as const;

describe('nn.MultiheadAttention against PyTorch 1.13', () => {
  it('self-attention with a key padding mask and a bool causal mask matches output, averaged weights and gradients within 1e-5', () => {
    const attention = new nn.MultiheadAttention(8, 2, f64);
    checkCase('mha_self', attention, (x) => {
      const input = x.get('x')!;
      return attention.forward(input, input, input, { keyPaddingMask: x.get('key_padding_mask'), attnMask: x.get('attn_mask') });
    }, ['x']);
    attention.dispose();
  });

  it('batchFirst with kdim and vdim, a float mask and per-head weights matches within 1e-5', () => {
    const attention = new nn.MultiheadAttention(8, 4, { kdim: 6, vdim: 7, batchFirst: true, ...f64 });
    assert.deepEqual([...attention.stateDict().keys()], (meta('mha_kv_batch_first') as { keys: string[] }).keys);
    checkCase('mha_kv_batch_first', attention, (x) => {
      const [output, weights] = attention.forward(x.get('q')!, x.get('k')!, x.get('v')!, {
        keyPaddingMask: x.get('key_padding_mask'),
        attnMask: x.get('attn_mask'),
        averageAttnWeights: false,
      });
      assert.deepEqual(weights!.shape, [3, 4, 4, 6]);
      return [output, weights];
    }, ['q', 'k', 'v']);
    attention.dispose();
  });

  it('addBiasKv and addZeroAttn with a 3-D float mask match within 1e-5', () => {
    const attention = new nn.MultiheadAttention(8, 2, { addBiasKv: true, addZeroAttn: true, ...f64 });
    assert.deepEqual([...attention.stateDict().keys()], (meta('mha_bias_kv_zero_attn') as { keys: string[] }).keys);
    checkCase('mha_bias_kv_zero_attn', attention, (x) => {
      const kv = x.get('kv')!;
      return attention.forward(x.get('q')!, kv, kv, { attnMask: x.get('attn_mask') });
    }, ['q', 'kv']);
    attention.dispose();
  });

  it('unbatched input without weights matches within 1e-5 and returns no weights', () => {
    const attention = new nn.MultiheadAttention(8, 2, { batchFirst: true, ...f64 });
    checkCase('mha_unbatched_no_weights', attention, (x) => {
      const input = x.get('x')!;
      const [output, weights] = attention.forward(input, input, input, { keyPaddingMask: x.get('key_padding_mask'), needWeights: false });
      assert.equal(weights, undefined);
      return [output];
    }, ['x']);
    attention.dispose();
  });

  it('has PyTorch’s packed key names and initial values after the same manualSeed', () => {
    for (const [name, build] of [
      ['mha', () => new nn.MultiheadAttention(8, 2)],
      ['mha_kv', () => new nn.MultiheadAttention(8, 2, { kdim: 4, vdim: 3, addBiasKv: true })],
    ] as const) {
      torch.manualSeed(0);
      const attention = build();
      const expected = goldenGroup(`init/${name}`);
      assert.deepEqual([...attention.stateDict().keys()], [...expected.keys()]);
      for (const [key, value] of expected) assertClose(attention.stateDict().get(key), value, 1e-6, `${name} ${key}`);
      attention.dispose();
    }
  });

  it('names the expected mask shape', () => {
    const attention = new nn.MultiheadAttention(8, 2);
    torch.scope(() => {
      const x = torch.randn([5, 3, 8]);
      assert.throws(() => attention.forward(x, x, x, { attnMask: torch.zeros([4, 5]) }), {
        message: 'nn.MultiheadAttention.forward: The shape of the 2D attn_mask is [4, 5], but should be [5, 5].',
      });
      assert.throws(() => attention.forward(x, x, x, { keyPaddingMask: torch.zeros([5, 3], { dtype: 'bool' }) }), {
        message: 'nn.MultiheadAttention.forward: expecting key_padding_mask shape of [3, 5], but got [5, 3]',
      });
    });
    assert.throws(() => new nn.MultiheadAttention(10, 3), { message: 'nn.MultiheadAttention: embed_dim must be divisible by num_heads (embedDim 10, numHeads 3)' });
    attention.dispose();
  });

  it('applies dropout to the attention weights in training only', () => {
    const attention = new nn.MultiheadAttention(8, 2, { dropout: 0.5 });
    torch.scope(() => {
      const x = torch.randn([6, 2, 8]);
      const run = (): number[] => Array.from(attention.forward(x, x, x)[1]!.data() as Float32Array);
      assert.notDeepEqual(run(), run());
      attention.eval();
      assert.deepEqual(run(), run());
    });
    attention.dispose();
  });

  it('leaves only its results behind after a forward', () => {
    const attention = new nn.MultiheadAttention(8, 2);
    const x = torch.randn([5, 3, 8]);
    const before = torch.memory().numTensors;
    const [output, weights] = torch.noGrad(() => attention.forward(x, x, x));
    assert.equal(torch.memory().numTensors, before + 2);
    torch.dispose(output, weights, x);
    attention.dispose();
  });
});
