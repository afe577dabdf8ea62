import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as optim from '../../../src/torch/optim/index.js';
import { scope } from '../../../src/torch/scope.js';
import { isTensor, type Tensor } from '../../../src/torch/tensor.js';
import { zeros } from '../../../src/torch/ops/creation.js';
import { native } from '../../../src/torch/native.js';
import { assertGolden, assertSame, camelOptions, fromFlat, golden, initialParams, setGrads, values, type OptimizerCase } from './golden.js';

const classes = { SGD: optim.SGD, Adam: optim.Adam, AdamW: optim.AdamW } as const;

function build(c: OptimizerCase, params: Tensor[]): optim.Optimizer<optim.BaseHyper> {
  const Cls = classes[c.optimizer] as unknown as new (p: unknown, o: unknown) => optim.Optimizer<optim.BaseHyper>;
  return new Cls([{ params: params.slice(0, 2) }, { params: params.slice(2), ...camelOptions(c.group1) }], camelOptions(c.defaults));
}

/** Steps `from` to `to`, checking against PyTorch's trajectory; returns the parameters' values after each step. */
function runSteps(opt: optim.Optimizer<optim.BaseHyper>, params: Tensor[], c: OptimizerCase, from: number, to: number, check = true): number[][][] {
  const trajectory: number[][][] = [];
  for (let step = from; step < to; step++) {
    scope(() => setGrads(params, c.dtype, step));
    opt.step();
    trajectory.push(params.map(values));
    if (check) params.forEach((p, i) => assertGolden(values(p), c.trajectory[step][i], `${c.name} step ${step} param ${i}`));
  }
  return trajectory;
}

/** A state dict through JSON and back: tensors as {dtype, shape, data}. */
function jsonRoundTrip(sd: optim.OptimizerStateDict): optim.OptimizerStateDict {
  const text = JSON.stringify(sd, (_key, v: unknown) => (isTensor(v) ? { dtype: v.dtype, shape: v.shape, data: values(v) } : v));
  return JSON.parse(text, (_key, v: unknown) => {
    const o = v as { dtype?: 'float64' | 'float32'; shape?: number[]; data?: number[] };
    return o && typeof o === 'object' && o.dtype && o.shape && o.data ? fromFlat(o.data, o.shape, o.dtype) : v;
  }) as optim.OptimizerStateDict;
}

describe(`optimizers against PyTorch ${golden.torch} (test/fixtures/optim)`, () => {
  for (const c of golden.optimizers) {
    it(`${c.name}: 6 steps, two groups, one gradient missing at step 2`, () => {
      const params = initialParams(c.dtype);
      const opt = build(c, params);
      runSteps(opt, params, c, 0, golden.steps);
      const sd = opt.stateDict();
      assert.deepEqual(Object.keys(sd.state).sort(), Object.keys(c.state).sort());
      for (const [index, expected] of Object.entries(c.state)) {
        assert.deepEqual(Object.keys(sd.state[index]), Object.keys(expected), `${c.name} state ${index} keys`);
        for (const [key, value] of Object.entries(expected)) {
          const mine = sd.state[index][key];
          if (Array.isArray(value)) assertGolden(values(mine as Tensor), value, `${c.name} state ${index}.${key}`);
          else assert.equal(mine, value, `${c.name} state ${index}.${key}`);
        }
      }
      opt.dispose();
    });

    it(`${c.name}: a run resumed from a state dict (through JSON) continues bit for bit`, () => {
      const params = initialParams(c.dtype);
      const opt = build(c, params);
      runSteps(opt, params, c, 0, 3, false);
      const saved = jsonRoundTrip(opt.stateDict());
      const atSave = params.map(values);
      const uninterrupted = runSteps(opt, params, c, 3, golden.steps);

      const resumed = params.map((p, i) => fromFlat(atSave[i], p.shape, c.dtype).requiresGrad_(true));
      const fresh = build(c, resumed);
      fresh.loadStateDict(saved);
      const continued = runSteps(fresh, resumed, c, 3, golden.steps);
      continued.forEach((step, s) => step.forEach((v, i) => assertSame(v, uninterrupted[s][i], `${c.name} resumed step ${3 + s} param ${i}`)));
      assert.deepEqual(fresh.paramGroups.map((g) => g.lr), opt.paramGroups.map((g) => g.lr));
    });
  }
});

describe('Optimizer', () => {
  const param = (): Tensor => zeros([2], { dtype: 'float64' }).requiresGrad_(true);

  it('takes a plain list as one group with the defaults, and per-group overrides', () => {
    const [a, b, c] = [param(), param(), param()];
    const adam = new optim.Adam([{ params: [a, b] }, { params: c, lr: 0.1, weightDecay: 0.01 }], { lr: 0.002, betas: [0.8, 0.9] });
    assert.equal(adam.paramGroups.length, 2);
    assert.deepEqual({ ...adam.paramGroups[0], params: undefined }, { lr: 0.002, betas: [0.8, 0.9], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, params: undefined });
    assert.equal(adam.paramGroups[1].lr, 0.1);
    assert.equal(adam.paramGroups[1].weightDecay, 0.01);
    assert.deepEqual(adam.paramGroups[1].params, [c]);
    const sgd = new optim.SGD([a, b], { lr: 0.5 });
    assert.equal(sgd.paramGroups.length, 1);
    assert.deepEqual(sgd.paramGroups[0].params, [a, b]);
    assert.equal(new optim.AdamW([a]).paramGroups[0].weightDecay, 0.01);
  });

  it('stateDict has PyTorch\'s layout and names', () => {
    const [a, b] = [param(), param()];
    const opt = new optim.Adam([{ params: [a] }, { params: [b], weightDecay: 0.1 }], { amsgrad: true });
    a.grad = zeros([2], { dtype: 'float64' }).add(1);
    opt.step();
    const sd = opt.stateDict();
    assert.deepEqual(sd.param_groups, [
      { lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: true, maximize: false, params: [0] },
      { lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.1, amsgrad: true, maximize: false, params: [1] },
    ]);
    assert.deepEqual(Object.keys(sd.state), ['0']);
    assert.deepEqual(Object.keys(sd.state['0']), ['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']);
    assert.equal(sd.state['0'].step, 1);
    const momentum = new optim.SGD([a], { lr: 0.1, momentum: 0.9 });
    momentum.step();
    assert.deepEqual(Object.keys(momentum.stateDict().state['0']), ['momentum_buffer']);
    const plain = new optim.SGD([a], { lr: 0.1 });
    plain.step();
    assert.deepEqual(plain.stateDict().state['0'], { momentum_buffer: null });
  });

  it('stateDict returns copies: later steps do not change a saved dict', () => {
    const a = param();
    const opt = new optim.SGD([a], { lr: 0.1, momentum: 0.9 });
    a.grad = zeros([2], { dtype: 'float64' }).add(1);
    opt.step();
    const saved = opt.stateDict();
    const before = values(saved.state['0'].momentum_buffer as Tensor);
    opt.step();
    assert.deepEqual(values(saved.state['0'].momentum_buffer as Tensor), before);
    assert.notDeepEqual(values(opt.state.get(a)!.momentum_buffer as Tensor), before);
  });

  it('keeps its state tensors out of scopes, and zeroGrad clears or zeroes the gradients', () => {
    const a = param();
    const opt = new optim.Adam([a]);
    scope(() => {
      a.grad = zeros([2], { dtype: 'float64' }).add(0.5);
      opt.step();
    });
    const s = opt.state.get(a)!;
    assert.ok(!(s.exp_avg as Tensor).isDisposed && !(s.exp_avg_sq as Tensor).isDisposed);
    assert.ok(a.grad !== undefined);
    opt.zeroGrad({ setToNone: false });
    assert.deepEqual(values(a.grad!), [0, 0]);
    opt.zeroGrad();
    assert.equal(a.grad, undefined);
    opt.dispose();
    assert.ok((s.exp_avg as Tensor).isDisposed);
  });

  it('steps free their temporaries (live tensor count is flat over 50 steps)', () => {
    const params = [param(), param(), param()];
    const opt = new optim.AdamW([{ params: params.slice(0, 2) }, { params: params.slice(2), lr: 0.01 }], { amsgrad: true });
    const one = (): void => scope(() => {
      for (const p of params) p.grad = zeros([2], { dtype: 'float64' }).add(0.25);
      opt.step();
      optim.clipGradNorm_(params, 0.1);
      opt.zeroGrad();
    });
    one();
    const before = native().liveTensorCount();
    for (let i = 0; i < 50; i++) one();
    assert.equal(native().liveTensorCount(), before);
  });

  it('returns the closure\'s value from step(closure)', () => {
    const a = param();
    const opt = new optim.SGD([a], { lr: 0.1 });
    assert.equal(opt.step(() => 42), 42);
  });

  it('rejects bad hyper-parameters with PyTorch\'s messages', () => {
    const e = golden.errors;
    const a = param();
    const cases: [() => unknown, string][] = [
      [() => new optim.SGD([a], { lr: -0.1 }), e['sgd-negative-lr']],
      [() => new optim.SGD([a], { lr: 0.1, momentum: -0.5 }), e['sgd-negative-momentum']],
      [() => new optim.SGD([a], { lr: 0.1, weightDecay: -0.5 }), e['sgd-negative-weight-decay']],
      [() => new optim.SGD([a], { lr: 0.1, nesterov: true }), e['sgd-nesterov']],
      [() => new optim.Adam([a], { lr: -0.001 }), e['adam-negative-lr']],
      [() => new optim.Adam([a], { eps: -0.5 }), e['adam-negative-eps']],
      [() => new optim.Adam([a], { betas: [1.5, 0.999] }), e['adam-beta0']],
      [() => new optim.Adam([a], { betas: [0.9, -0.5] }), e['adam-beta1']],
      [() => new optim.AdamW([a], { weightDecay: -0.5 }), e['adamw-negative-weight-decay']],
      [() => new optim.Adam([]), e['empty']],
      [() => new optim.Adam([{ params: [a] }, { params: [param(), a] }]), e['twice']],
      [() => new optim.Adam([a.mul(2)]), e['non-leaf']],
      [() => new optim.Adam([{ params: [param()], lr: -0.1 }]), e['sgd-negative-lr']],
    ];
    for (const [fn, message] of cases) assert.throws(fn, (err: Error) => err instanceof optim.OptimError && err.message === message, message);
    assert.throws(() => new optim.Adam([{ params: [a], weight_decay: 0.1 } as never]), /Adam: unknown parameter group option 'weight_decay'; the options are lr, betas, eps, weightDecay/);
    assert.throws(() => new optim.SGD(a as never, { lr: 0.1 }), /should be an iterable of Tensors or dicts, but got Tensor/);
  });

  it('addParamGroup adds a group with the defaults and refuses parameters already present', () => {
    const [a, b] = [param(), param()];
    const opt = new optim.SGD([a], { lr: 0.1, momentum: 0.9 });
    opt.addParamGroup({ params: [b], lr: 0.01 });
    assert.equal(opt.paramGroups[1].momentum, 0.9);
    assert.equal(opt.paramGroups[1].lr, 0.01);
    assert.throws(() => opt.addParamGroup({ params: [a] }), { message: golden.errors['twice'] });
  });

  it('loadStateDict refuses a dict that does not fit, and changes nothing', () => {
    const [a, b] = [param(), param()];
    const one = new optim.SGD([a], { lr: 0.1 });
    const two = new optim.SGD([{ params: [a] }, { params: [b] }], { lr: 0.1 });
    assert.throws(() => one.loadStateDict(two.stateDict()), { message: golden.errors['load-group-count'] });
    const both = new optim.SGD([a, b], { lr: 0.1 });
    assert.throws(() => both.loadStateDict(one.stateDict()), { message: golden.errors['load-group-size'] });
    const adam = new optim.Adam([a]);
    a.grad = zeros([2], { dtype: 'float64' }).add(1);
    adam.step();
    const sd = adam.stateDict();
    sd.param_groups[0].lr = 0.5;
    sd.state['0'].exp_avg = zeros([3], { dtype: 'float64' });
    assert.throws(() => adam.loadStateDict(sd), /loaded state dict has 'exp_avg' of shape \[3\] for parameter 0, whose shape is \[2\]/);
    assert.equal(adam.paramGroups[0].lr, 0.001);
    assert.ok(!(adam.state.get(a)!.exp_avg as Tensor).isDisposed);
  });

  it('loadStateDict casts floating state to the parameter dtype and accepts a tensor step (from PyTorch checkpoints)', () => {
    const a = zeros([2], { dtype: 'float32' }).requiresGrad_(true);
    const opt = new optim.Adam([a]);
    opt.loadStateDict({
      state: { '0': { step: zeros([], { dtype: 'float32' }).add(3), exp_avg: zeros([2], { dtype: 'float64' }).add(0.1), exp_avg_sq: zeros([2], { dtype: 'float64' }).add(0.01) } },
      param_groups: [{ lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false, maximize: false, foreach: null, capturable: false, differentiable: false, fused: false, params: [0] }],
    });
    const s = opt.state.get(a)!;
    assert.equal(s.step, 3);
    assert.equal((s.exp_avg as Tensor).dtype, 'float32');
    assert.equal(opt.paramGroups[0].lr, 0.01);
  });
});
