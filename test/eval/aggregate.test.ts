// Mean ± sample std as the paper reports (pandas, ddof 1), median, count, and groups.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMeanStd, mean, median, std, summarize } from '../../src/eval/aggregate.js';

describe('sample standard deviation (docs/evaluation.md §2)', () => {
  it('divides by n − 1 like pandas, not n like numpy: [2, 4, 4, 4, 5, 5, 7, 9] has sample std √(32/7), population 2', () => {
    const values = [2, 4, 4, 4, 5, 5, 7, 9];
    assert.equal(mean(values), 5);
    assert.equal(std(values, 0), 2);
    assert.equal(std(values), Math.sqrt(32 / 7));
  });

  it('reproduces the shape of BUSI P6: 78 items where sample and population std differ in the second decimal', () => {
    // Made-up BUSI-like scores: 13 "normal" images scored 100 (empty predicted empty), 65 spread out.
    const values = [...Array(13).fill(100), ...Array.from({ length: 65 }, (_, i) => Math.max(0, Math.min(100, 78 + 40 * Math.sin(1.7 * i + 0.4))))];
    assert.equal(values.length, 78);
    const sample = std(values);
    const population = std(values, 0);
    assert.ok(Math.abs(sample / population - Math.sqrt(78 / 77)) < 1e-12);
    assert.notEqual(sample.toFixed(2), population.toFixed(2));
    assert.equal(formatMeanStd(summarize(values)), `${mean(values).toFixed(2)} ± ${sample.toFixed(2)}`);
  });

  it('is NaN for a single value, as pandas gives', () => {
    assert.ok(Number.isNaN(std([3])));
    assert.equal(formatMeanStd(summarize([3])), '3.00 ± n/a');
  });
});

describe('summaries', () => {
  it('give count, mean, std, median, min and max, leaving NaN items out and counting them', () => {
    const s = summarize([1, Number.NaN, 3, 2, 10]);
    assert.deepEqual(s, { count: 4, nanCount: 1, mean: 4, std: std([1, 3, 2, 10]), median: 2.5, min: 1, max: 10 });
  });

  it('median of an odd count is the middle value', () => {
    assert.equal(median([5, 1, 3]), 3);
  });
});
