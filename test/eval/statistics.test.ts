// The seeded bootstrap and the paired Wilcoxon test against SciPy's values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapCi, bootstrapMeanCi, pairedChangeCi, quantileSorted } from '../../src/eval/bootstrap.js';
import { pairedWilcoxon } from '../../src/eval/wilcoxon.js';
import { fixturePath, readJson } from '../helpers.js';

test('bootstrap: the same seed gives the same interval, another seed another one', () => {
  const values = Array.from({ length: 50 }, (_, i) => Math.sin(i * 1.3) * 0.2 + 0.6);
  const a = bootstrapMeanCi(values, { seed: 7, resamples: 500 });
  const b = bootstrapMeanCi(values, { seed: 7, resamples: 500 });
  const c = bootstrapMeanCi(values, { seed: 8, resamples: 500 });
  assert.deepEqual(a, b);
  assert.notEqual(a.low, c.low);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  assert.equal(a.estimate, mean);
  assert.ok(a.low < mean && mean < a.high, `${a.low} < ${mean} < ${a.high}`);
  // The standard error of the mean is about 0.02 here: a 95% interval spans about 4 of them.
  assert.ok(a.high - a.low > 0.04 && a.high - a.low < 0.12, `width ${a.high - a.low}`);
});

test('bootstrap: known cases', () => {
  // Constant data: every resample mean is the constant.
  const constant = bootstrapMeanCi([0.25, 0.25, 0.25], { seed: 1 });
  assert.deepEqual(constant, { estimate: 0.25, low: 0.25, high: 0.25, level: 0.95, resamples: 1000 });
  // Two values 0 and 1: resample means are 0, 0.5, 1 with chances 1/4, 1/2, 1/4, so the 2.5% and
  // 97.5% percentiles of 1000 resamples are 0 and 1.
  const two = bootstrapMeanCi([0, 1], { seed: 3 });
  assert.equal(two.low, 0);
  assert.equal(two.high, 1);
  // NaN Dice (empty masks scored 'nan') is left out; no values gives NaN bounds.
  assert.equal(bootstrapMeanCi([0.25, Number.NaN, 0.25]).low, 0.25);
  assert.ok(Number.isNaN(bootstrapMeanCi([]).low));
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.throws(() => bootstrapCi(3, () => 0, { resamples: 0 }), /resamples must be a positive integer/);
});

test('pairedChangeCi: absolute and relative change of the mean, items resampled jointly', () => {
  const baseline = [0.8, 0.6, 0.7, 0.9];
  const altered = [0.4, 0.3, 0.35, 0.45];
  const { absolute, relative, pairs } = pairedChangeCi(baseline, altered, { seed: 2 });
  assert.equal(pairs, 4);
  assert.ok(Math.abs(absolute.estimate - (-0.375)) < 1e-12);
  // Every altered value is half its baseline, so every resample's relative change is −50%.
  assert.ok(Math.abs(relative.estimate + 0.5) < 1e-12);
  assert.ok(Math.abs(relative.low + 0.5) < 1e-12 && Math.abs(relative.high + 0.5) < 1e-12);
  assert.throws(() => pairedChangeCi([1], [1, 2]), /1 baseline values but 2 altered/);
});

interface GoldenCase { name: string; method: 'exact' | 'normal'; baseline: number[]; altered: number[]; pValue: number }

test('pairedWilcoxon equals scipy.stats.wilcoxon on the recorded cases', () => {
  const golden = readJson<{ cases: GoldenCase[] }>(fixturePath('statistics', 'wilcoxon-golden.json'));
  assert.ok(golden.cases.length >= 7);
  for (const c of golden.cases) {
    const r = pairedWilcoxon(c.baseline, c.altered);
    assert.equal(r.method, c.method, c.name);
    assert.ok(Math.abs(r.pValue - c.pValue) <= 1e-12 * Math.max(1, c.pValue) + 1e-15, `${c.name}: ${r.pValue} vs SciPy ${c.pValue}`);
  }
});

test('pairedWilcoxon: degenerate inputs', () => {
  assert.deepEqual(pairedWilcoxon([0.5, 0.5], [0.5, 0.5]), { pValue: 1, statistic: 0, pairs: 2, zeros: 2, method: 'none' });
  assert.ok(Number.isNaN(pairedWilcoxon([0.5], [0.1]).pValue));
  // NaN pairs are dropped before ranking.
  const r = pairedWilcoxon([0.9, Number.NaN, 0.8, 0.7], [0.1, 0.2, 0.3, 0.2]);
  assert.equal(r.pairs, 3);
  // Exact: three positive differences, P(R+ = 6) = 1/8 each tail.
  assert.ok(Math.abs(r.pValue - 0.25) < 1e-12);
  assert.throws(() => pairedWilcoxon([1, 2], [1]), /2 baseline values but 1 altered/);
});
