import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as optim from '../../../src/torch/optim/index.js';
import { zeros } from '../../../src/torch/ops/creation.js';
import type { LRScheduler } from '../../../src/torch/optim/index.js';
import { assertSame, camelOptions, golden } from './golden.js';

/** SGD over two groups with lr 0.1 and 0.02, as the generator builds it. */
const twoGroups = (): optim.SGD =>
  new optim.SGD([{ params: [zeros([2]).requiresGrad_(true)] }, { params: [zeros([3]).requiresGrad_(true)], lr: 0.02 }], { lr: 0.1 });

const makers: Record<string, (o: optim.SGD) => LRScheduler> = {
  StepLR: (o) => new optim.StepLR(o, { stepSize: 3, gamma: 0.5 }),
  MultiStepLR: (o) => new optim.MultiStepLR(o, { milestones: [2, 5, 5, 9], gamma: 0.3 }),
  ConstantLR: (o) => new optim.ConstantLR(o, { factor: 0.25, totalIters: 4 }),
  'ConstantLR-identity': (o) => new optim.ConstantLR(o, { factor: 1.0, totalIters: 4 }),
  LinearLR: (o) => new optim.LinearLR(o, { startFactor: 0.2, endFactor: 0.9, totalIters: 6 }),
  ExponentialLR: (o) => new optim.ExponentialLR(o, { gamma: 0.87 }),
  PolynomialLR: (o) => new optim.PolynomialLR(o, { totalIters: 10, power: 2.0 }),
  'PolynomialLR-fractional': (o) => new optim.PolynomialLR(o, { totalIters: 8, power: 0.7 }),
  CosineAnnealingLR: (o) => new optim.CosineAnnealingLR(o, { tMax: 6, etaMin: 0.001 }),
  'CosineAnnealingLR-long': (o) => new optim.CosineAnnealingLR(o, { tMax: 13 }),
  LambdaLR: (o) => new optim.LambdaLR(o, (e) => 1 / (e + 1)),
  MultiplicativeLR: (o) => new optim.MultiplicativeLR(o, () => 0.9),
  SequentialLR: (o) =>
    new optim.SequentialLR(o, {
      schedulers: [new optim.LinearLR(o, { startFactor: 0.1, totalIters: 3 }), new optim.CosineAnnealingLR(o, { tMax: 10, etaMin: 0.0005 })],
      milestones: [3],
    }),
  'SequentialLR-step': (o) =>
    new optim.SequentialLR(o, {
      schedulers: [new optim.ConstantLR(o, { factor: 0.5, totalIters: 2 }), new optim.StepLR(o, { stepSize: 2, gamma: 0.7 }), new optim.ExponentialLR(o, { gamma: 0.9 })],
      milestones: [4, 9],
    }),
  ChainedScheduler: (o) => new optim.ChainedScheduler([new optim.ConstantLR(o, { factor: 0.5, totalIters: 2 }), new optim.ExponentialLR(o, { gamma: 0.9 })]),
};

const lrs = (o: optim.SGD): number[] => o.paramGroups.map((g) => g.lr);

describe(`LR schedulers against PyTorch ${golden.torch} (15 steps, two groups, bit for bit)`, () => {
  for (const c of golden.schedulers) {
    it(c.name, () => {
      const opt = twoGroups();
      const sched = makers[c.name](opt);
      assertSame(lrs(opt), c.lrs[0], `${c.name} initial`);
      assertSame(sched.getLastLr(), c.lrs[0], `${c.name} getLastLr initial`);
      for (let i = 1; i < c.lrs.length; i++) {
        opt.step();
        sched.step();
        assertSame(lrs(opt), c.lrs[i], `${c.name} step ${i}`);
        assertSame(sched.getLastLr(), c.lrs[i], `${c.name} getLastLr ${i}`);
      }
    });

    it(`${c.name}: resumed from optimizer and scheduler state dicts (through JSON), continues exactly`, () => {
      const opt = twoGroups();
      const sched = makers[c.name](opt);
      for (let i = 1; i <= 7; i++) sched.step();
      const saved = JSON.parse(JSON.stringify({ optimizer: opt.stateDict(), scheduler: sched.stateDict() }));
      const opt2 = twoGroups();
      const sched2 = makers[c.name](opt2);
      opt2.loadStateDict(saved.optimizer);
      sched2.loadStateDict(saved.scheduler);
      assertSame(sched2.getLastLr(), c.lrs[7], `${c.name} resumed getLastLr`);
      for (let i = 8; i < c.lrs.length; i++) {
        sched2.step();
        assertSame(lrs(opt2), c.lrs[i], `${c.name} resumed step ${i}`);
      }
    });
  }

  it('state dicts use PyTorch\'s field names', () => {
    const opt = twoGroups();
    const s = new optim.CosineAnnealingLR(opt, { tMax: 6, etaMin: 0.001 });
    s.step();
    assert.deepEqual(s.stateDict(), { T_max: 6, eta_min: 0.001, base_lrs: [0.1, 0.02], last_epoch: 1, _step_count: 2, _last_lr: lrs(opt) });
    assert.deepEqual(opt.stateDict().param_groups.map((g) => g.initial_lr), [0.1, 0.02]);
    assert.deepEqual(Object.keys(new optim.StepLR(twoGroups(), { stepSize: 2 }).stateDict()).sort(), ['_last_lr', '_step_count', 'base_lrs', 'gamma', 'last_epoch', 'step_size']);
  });
});

describe(`ReduceLROnPlateau against PyTorch ${golden.torch}`, () => {
  for (const c of golden.plateau.cases) {
    const options = camelOptions(c.options) as optim.ReduceLROnPlateauOptions;
    it(`${c.name}: lrs, best, bad epochs and cooldown over ${golden.plateau.metrics.length} metrics`, () => {
      const opt = twoGroups();
      const plateau = new optim.ReduceLROnPlateau(opt, options);
      golden.plateau.metrics.forEach((m, i) => {
        plateau.step(m);
        assertSame(lrs(opt), c.lrs[i], `${c.name} epoch ${i + 1}`);
        const sd = plateau.stateDict();
        const expected = c.states[i];
        assert.equal(sd.best, typeof expected.best === 'string' ? expected.best : expected.best, `${c.name} best at ${i + 1}`);
        assert.equal(sd.num_bad_epochs, expected.num_bad_epochs);
        assert.equal(sd.cooldown_counter, expected.cooldown_counter);
      });
    });

    it(`${c.name}: resumed from its state dict (through JSON), continues exactly`, () => {
      const opt = twoGroups();
      const plateau = new optim.ReduceLROnPlateau(opt, options);
      golden.plateau.metrics.slice(0, 10).forEach((m) => plateau.step(m));
      const saved = JSON.parse(JSON.stringify({ optimizer: opt.stateDict(), plateau: plateau.stateDict() }));
      const opt2 = twoGroups();
      const plateau2 = new optim.ReduceLROnPlateau(opt2, {});
      opt2.loadStateDict(saved.optimizer);
      plateau2.loadStateDict(saved.plateau);
      golden.plateau.metrics.slice(10).forEach((m, j) => {
        plateau2.step(m);
        assertSame(lrs(opt2), c.lrs[10 + j], `${c.name} resumed epoch ${11 + j}`);
      });
    });
  }

  it('saves an infinite best as Python spells it, so the dict survives JSON', () => {
    const plateau = new optim.ReduceLROnPlateau(twoGroups(), { mode: 'max' });
    assert.equal(plateau.stateDict().best, '-inf');
    const back = new optim.ReduceLROnPlateau(twoGroups(), {});
    back.loadStateDict(JSON.parse(JSON.stringify(plateau.stateDict())));
    assert.equal(back.best, -Infinity);
    assert.equal(back.mode, 'max');
  });
});

describe('scheduler errors (PyTorch\'s messages)', () => {
  it('rejects bad options', () => {
    const e = golden.errors;
    const one = (): optim.SGD => new optim.SGD([zeros([2]).requiresGrad_(true)], { lr: 0.1 });
    const cases: [() => unknown, string][] = [
      [() => new optim.ConstantLR(one(), { factor: 1.5 }), e['constant-factor']],
      [() => new optim.LinearLR(one(), { startFactor: 1.5 }), e['linear-start']],
      [() => new optim.LinearLR(one(), { endFactor: -0.5 }), e['linear-end']],
      [() => new optim.ReduceLROnPlateau(one(), { factor: 1.5 }), e['plateau-factor']],
      [() => new optim.ReduceLROnPlateau(one(), { mode: 'average' as never }), e['plateau-mode']],
      [() => new optim.ReduceLROnPlateau(one(), { thresholdMode: 'percent' as never }), e['plateau-threshold-mode']],
      [() => new optim.ReduceLROnPlateau(twoGroups(), { minLr: [0.1, 0.2, 0.3] }), e['plateau-min-lrs']],
      [() => new optim.StepLR(one(), { stepSize: 2, lastEpoch: 3 }), e['resume-without-initial-lr']],
      [() => new optim.LambdaLR(twoGroups(), [() => 1.0]), e['lambda-count']],
    ];
    for (const [fn, message] of cases) assert.throws(fn, (err: Error) => err instanceof optim.OptimError && err.message === message, message);
    assert.throws(() => new optim.StepLR({} as never, { stepSize: 2 }), { message: 'Object is not an Optimizer' });
  });
});
