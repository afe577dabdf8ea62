// Percentile bootstrap confidence intervals over images, seeded with a 32-bit Mersenne Twister
// (@stdlib/random-base-mt19937) so a report redrawn from the same store gives the same bands.
import mt19937 from '@stdlib/random-base-mt19937';

export interface BootstrapOptions {
  /** Seed of the resampling (default 0). */
  seed?: number;
  /** Number of resamples (default 1000). */
  resamples?: number;
  /** Confidence level (default 0.95). */
  level?: number;
}

export interface ConfidenceInterval {
  /** The statistic on the data itself. */
  estimate: number;
  low: number;
  high: number;
  level: number;
  resamples: number;
}

const TWO_TO_32 = 4294967296;

/** The `q` quantile of sorted values, linear between order statistics (R type 7, numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * A percentile bootstrap CI of `statistic` over `n` paired items: each resample draws `n` item
 * indices with replacement and hands them to `statistic`. Non-finite resample values (a ratio
 * over a zero mean) are left out of the percentiles. NaN bounds for n = 0.
 */
export function bootstrapCi(n: number, statistic: (indices: Uint32Array) => number, o: BootstrapOptions = {}): ConfidenceInterval {
  const resamples = o.resamples ?? 1000;
  const level = o.level ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`bootstrap: resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrap: level must be in (0, 1), got ${level}`);
  const identity = Uint32Array.from({ length: n }, (_, i) => i);
  const estimate = n === 0 ? Number.NaN : statistic(identity);
  if (n === 0) return { estimate, low: Number.NaN, high: Number.NaN, level, resamples };
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed >= 0xffffffff) throw new RangeError(`bootstrap: seed must be an integer in [0, 2^32 - 1), got ${seed}`);
  // stdlib's MT19937 takes positive seeds only.
  const rand = mt19937.factory({ seed: seed + 1 });
  const values: number[] = [];
  const indices = new Uint32Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) indices[i] = Math.floor((rand() / TWO_TO_32) * n);
    const v = statistic(indices);
    if (Number.isFinite(v)) values.push(v);
  }
  values.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { estimate, low: quantileSorted(values, tail), high: quantileSorted(values, 1 - tail), level, resamples };
}

const meanOf = (values: ArrayLike<number>, indices: Uint32Array): number => {
  let sum = 0;
  for (const i of indices) sum += values[i]!;
  return sum / indices.length;
};

/** The percentile bootstrap CI of the mean of `values` (NaN values are dropped first). */
export function bootstrapMeanCi(values: readonly number[], o: BootstrapOptions = {}): ConfidenceInterval {
  const finite = values.filter((v) => !Number.isNaN(v));
  return bootstrapCi(finite.length, (idx) => meanOf(finite, idx), o);
}

/**
 * Paired change of the mean from `baseline` to `altered` (same items, same order), absolute
 * (altered − baseline) and relative ((altered − baseline) / baseline, as a fraction), with
 * bootstrap CIs that resample items jointly. Pairs with a NaN on either side are dropped.
 */
export function pairedChangeCi(baseline: readonly number[], altered: readonly number[], o: BootstrapOptions = {}): { absolute: ConfidenceInterval; relative: ConfidenceInterval; pairs: number } {
  if (baseline.length !== altered.length) throw new RangeError(`pairedChangeCi: ${baseline.length} baseline values but ${altered.length} altered ones`);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < baseline.length; i++) {
    if (Number.isNaN(baseline[i]!) || Number.isNaN(altered[i]!)) continue;
    a.push(baseline[i]!);
    b.push(altered[i]!);
  }
  const absolute = bootstrapCi(a.length, (idx) => meanOf(b, idx) - meanOf(a, idx), o);
  const relative = bootstrapCi(a.length, (idx) => {
    const base = meanOf(a, idx);
    return (meanOf(b, idx) - base) / base;
  }, o);
  return { absolute, relative, pairs: a.length };
}
