import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as torch from '../../../src/torch/index.js';
import * as nn from '../../../src/torch/nn/index.js';
import { assertClose } from './golden.js';

describe('nn.Sequential, nn.ModuleList, nn.ModuleDict', () => {
  it('Sequential numbers its children and chains their forwards', () => {
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    assert.deepEqual([...model.stateDict().keys()], ['0.weight', '0.bias', '2.weight', '2.bias']);
    assert.equal(model.length, 3);
    assert.ok(model.at(-1) instanceof nn.Linear);
    torch.scope(() => {
      const x = torch.randn([5, 3]);
      const expected = (model.at(2) as nn.Linear).forward((model.at(0) as nn.Linear).forward(x).relu());
      assertClose(model.forward(x), expected, 1e-6, 'chained');
    });
    model.dispose();
  });

  it('Sequential from named entries uses the names as keys', () => {
    const model = new nn.Sequential(new Map<string, nn.UnaryModule>([['proj', new nn.Linear(2, 2)], ['act', new nn.GELU()]]));
    assert.deepEqual([...model.stateDict().keys()], ['proj.weight', 'proj.bias']);
    model.dispose();
  });

  it('Sequential frees its intermediates and keeps the result', () => {
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Sigmoid(), new nn.Identity());
    const x = torch.randn([2, 3]);
    const before = torch.memory().numTensors;
    const y = torch.noGrad(() => model.forward(x));
    assert.equal(torch.memory().numTensors, before + 1);
    torch.dispose(x, y);
    model.dispose();
  });

  it('ModuleList and ModuleDict register their items for stateDict and iteration', () => {
    const list = new nn.ModuleList([new nn.Linear(2, 2), new nn.LayerNorm(2)]);
    list.append(new nn.Linear(2, 1, { bias: false }));
    assert.deepEqual([...list.stateDict().keys()], ['0.weight', '0.bias', '1.weight', '1.bias', '2.weight']);
    assert.deepEqual([...list].map((m) => m.className), ['Linear', 'LayerNorm', 'Linear']);
    const dict = new nn.ModuleDict({ kvasir: new nn.Linear(2, 1), busi: new nn.Identity() });
    assert.deepEqual([...dict.stateDict().keys()], ['kvasir.weight', 'kvasir.bias']);
    assert.throws(() => dict.get('isic'), { message: "nn.ModuleDict: no module named 'isic'; the names are: kvasir, busi" });
    list.dispose();
    dict.dispose();
  });
});

describe('activations', () => {
  it('ReLU, GELU (exact and tanh), QuickGELU, Sigmoid, Tanh, SiLU and LeakyReLU compute their formulas', () => {
    torch.scope(() => {
      const x = torch.linspace(-3, 3, 13, { dtype: 'float64' });
      const values = x.data() as Float64Array;
      const check = (module: { forward(t: torch.Tensor): torch.Tensor }, f: (v: number) => number, label: string): void =>
        assertClose(module.forward(x), torch.tensor(Float64Array.from(values, f)), 1e-12, label);
      const erf = (v: number): number => {
        // erf by its series; |v| ≤ 3 here
        let term = v;
        let sum = v;
        for (let n = 1; n < 100; n++) {
          term *= (-v * v) / n;
          sum += term / (2 * n + 1);
        }
        return (2 / Math.sqrt(Math.PI)) * sum;
      };
      const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
      check(new nn.ReLU(), (v) => Math.max(0, v), 'ReLU');
      check(new nn.GELU(), (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)), 'GELU');
      check(new nn.GELU({ approximate: 'tanh' }), (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))), 'GELU tanh');
      check(new nn.QuickGELU(), (v) => v * sigmoid(1.702 * v), 'QuickGELU');
      check(new nn.Sigmoid(), sigmoid, 'Sigmoid');
      check(new nn.Tanh(), Math.tanh, 'Tanh');
      check(new nn.SiLU(), (v) => v * sigmoid(v), 'SiLU');
      check(new nn.LeakyReLU(0.2), (v) => (v > 0 ? v : 0.2 * v), 'LeakyReLU');
    });
  });

  it('Dropout zeroes in training and is the identity in eval', () => {
    const dropout = new nn.Dropout(0.5);
    torch.scope(() => {
      const x = torch.ones([1000]);
      const trained = dropout.forward(x).data() as Float32Array;
      assert.ok(trained.every((v) => v === 0 || v === 2));
      assert.ok(trained.some((v) => v === 0));
      dropout.eval();
      assert.ok((dropout.forward(x).data() as Float32Array).every((v) => v === 1));
    });
    assert.throws(() => new nn.Dropout(1.5), { message: 'nn.Dropout: dropout probability has to be between 0 and 1, but got 1.5' });
  });

  it('Upsample doubles the size', () => {
    const up = new nn.Upsample({ scaleFactor: 2, mode: 'nearest' });
    torch.scope(() => assert.deepEqual(up.forward(torch.zeros([1, 2, 3, 4])).shape, [1, 2, 6, 8]));
  });
});
