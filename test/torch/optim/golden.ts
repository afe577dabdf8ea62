// Reads test/fixtures/optim/golden.json (written by tools/make-optim-golden.py with PyTorch 1.13)
// and rebuilds its problems: parameters, and gradients g = (p - target) * scale + noise[step].
import assert from 'node:assert/strict';
import { fixturePath, readJson } from '../../helpers.js';
import { tensor } from '../../../src/torch/ops/creation.js';
import type { Tensor } from '../../../src/torch/tensor.js';
import { noGrad } from '../../../src/torch/autograd.js';

type Flat = number[];
export interface OptimizerCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  dtype: 'float64' | 'float32';
  defaults: Record<string, unknown>;
  group1: Record<string, unknown>;
  trajectory: Flat[][];
  state: Record<string, Record<string, Flat | number | null>>;
}
export interface Golden {
  torch: string;
  steps: number;
  skip: [number, number];
  shapes: number[][];
  problems: Record<string, { init: Flat[]; target: Flat[]; scale: Flat[]; noise: Flat[][] }>;
  optimizers: OptimizerCase[];
  schedulers: { name: string; options: Record<string, unknown>; lrs: number[][] }[];
  plateau: { metrics: number[]; cases: { name: string; options: Record<string, unknown>; lrs: number[][]; states: { best: number | string; num_bad_epochs: number; cooldown_counter: number }[] }[] };
  clip: { dtype: 'float64' | 'float32'; max_norm: number; norm_type: number | 'inf'; grads: Flat[]; total: number; clipped: Flat[] }[];
  libm: { pow: [number, number, number][]; cos: [number, number][] };
  errors: Record<string, string>;
}

export const golden = readJson<Golden>(fixturePath('optim', 'golden.json'));

export function fromFlat(values: Flat, shape: number[], dtype: 'float64' | 'float32'): Tensor {
  return tensor(dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values), { shape });
}

export const values = (t: Tensor): number[] => Array.from(t.data() as Float64Array | Float32Array);

/** Fresh leaf parameters at the problem's initial values. */
export function initialParams(dtype: 'float64' | 'float32'): Tensor[] {
  const p = golden.problems[dtype];
  return golden.shapes.map((shape, i) => fromFlat(p.init[i], shape, dtype).requiresGrad_(true).keep());
}

/** Sets each parameter's gradient for `step`, as the generator does (none for the skipped one). */
export function setGrads(params: Tensor[], dtype: 'float64' | 'float32', step: number): void {
  const p = golden.problems[dtype];
  noGrad(() =>
    params.forEach((param, i) => {
      if (step === golden.skip[0] && i === golden.skip[1]) {
        param.grad = undefined;
        return;
      }
      const shape = golden.shapes[i];
      const target = fromFlat(p.target[i], shape, dtype);
      const scale = fromFlat(p.scale[i], shape, dtype);
      const noise = fromFlat(p.noise[step][i], shape, dtype);
      const d = param.detach();
      const g = d.sub(target).mul(scale).add(noise);
      param.grad = g;
      for (const t of [target, scale, noise, d, g]) t.dispose();
    }),
  );
}

/**
 * Asserts |actual - expected| ≤ 1e-12 against PyTorch's values (equal bits with
 * VLSM_OPTIM_BITWISE=1: true on the machine that wrote the fixture, but SIMD reductions may
 * round differently on another CPU).
 */
export function assertGolden(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  if (process.env.VLSM_OPTIM_BITWISE === '1') return assertSame(actual, expected, label);
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < actual.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= 1e-12) && !(Number.isNaN(actual[i]) && Number.isNaN(expected[i])) && actual[i] !== expected[i]) {
      assert.fail(`${label}[${i}]: got ${actual[i]}, PyTorch ${expected[i]} (|diff| ${diff} > 1e-12)`);
    }
  }
}

/** Asserts equal bits, naming the first difference. */
export function assertSame(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      const diff = Math.abs(actual[i] - expected[i]);
      assert.fail(`${label}[${i}]: got ${actual[i]}, PyTorch ${expected[i]} (|diff| ${diff}${diff <= 1e-12 ? ', within 1e-12 but not bit-equal' : ''})`);
    }
  }
}

/** Python option names → ours (weight_decay → weightDecay). */
export function camelOptions(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]));
}
