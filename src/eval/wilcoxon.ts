// The paired Wilcoxon signed-rank test of @stdlib/stats-wilcoxon, two-sided, with the variant
// pinned: zero differences dropped ('wilcox'), tie-corrected variance, continuity correction, exact
// null distribution only when no difference is zero or tied and at most 50 remain, else the
// normal approximation. tools/make-wilcoxon-golden.py reproduces the same variant with SciPy.
import wilcoxon from '@stdlib/stats-wilcoxon';

export interface WilcoxonResult {
  /** Two-sided p-value; 1 when every difference is zero, NaN with fewer than two pairs. */
  pValue: number;
  /** Sum of the ranks of the positive differences (altered − baseline > 0). */
  statistic: number;
  /** Pairs compared (NaN pairs dropped). */
  pairs: number;
  /** Pairs whose difference is zero (dropped from the ranks). */
  zeros: number;
  method: 'exact' | 'normal' | 'none';
}

/** Paired two-sided Wilcoxon signed-rank test of `altered` against `baseline` (same items, same order). */
export function pairedWilcoxon(baseline: readonly number[], altered: readonly number[]): WilcoxonResult {
  if (baseline.length !== altered.length) throw new RangeError(`pairedWilcoxon: ${baseline.length} baseline values but ${altered.length} altered ones`);
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < baseline.length; i++) {
    if (Number.isNaN(baseline[i]!) || Number.isNaN(altered[i]!)) continue;
    x.push(altered[i]!);
    y.push(baseline[i]!);
  }
  const differences = x.map((v, i) => v - y[i]!);
  const nonzero = differences.filter((d) => d !== 0);
  const zeros = differences.length - nonzero.length;
  if (x.length < 2) return { pValue: Number.NaN, statistic: Number.NaN, pairs: x.length, zeros, method: 'none' };
  if (nonzero.length === 0) return { pValue: 1, statistic: 0, pairs: x.length, zeros, method: 'none' };
  const magnitudes = nonzero.map(Math.abs);
  const tied = new Set(magnitudes).size !== magnitudes.length;
  const method = nonzero.length > 50 || zeros > 0 || tied ? 'normal' : 'exact';
  const out = wilcoxon(x, y, { zeroMethod: 'wilcox', correction: true, alternative: 'two-sided' });
  // The exact two-sided value doubles a tail probability, which exceeds 1 at the centre.
  return { pValue: Math.min(1, out.pValue), statistic: out.statistic, pairs: x.length, zeros, method };
}
