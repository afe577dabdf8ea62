// How much a change (a perturbed prompt) moves per-image Dice: items paired by key, the change
// of the mean absolute and relative with bootstrap CIs, and the paired Wilcoxon p-value.
import { pairedChangeCi, type BootstrapOptions, type ConfidenceInterval } from './bootstrap.js';
import { pairedWilcoxon, type WilcoxonResult } from './wilcoxon.js';

export interface PairedChange {
  /** Items present on both sides with finite Dice. */
  pairs: number;
  /** Mean Dice of the paired items, fractions. */
  baselineMean: number;
  alteredMean: number;
  /** altered − baseline (fraction) with its CI. */
  delta: ConfidenceInterval;
  /** (altered − baseline) / baseline (fraction) with its CI. */
  relative: ConfidenceInterval;
  wilcoxon: WilcoxonResult;
}

/**
 * Pairs `baseline` and `altered` values by key (items missing on either side, or NaN, are left
 * out) and measures the change.
 */
export function pairedChange(baseline: ReadonlyMap<string, number>, altered: ReadonlyMap<string, number>, o: BootstrapOptions = {}): PairedChange {
  const a: number[] = [];
  const b: number[] = [];
  for (const [key, base] of baseline) {
    const alt = altered.get(key);
    if (alt === undefined || Number.isNaN(alt) || Number.isNaN(base)) continue;
    a.push(base);
    b.push(alt);
  }
  const { absolute, relative, pairs } = pairedChangeCi(a, b, o);
  const mean = (v: number[]): number => (v.length === 0 ? Number.NaN : v.reduce((s, x) => s + x, 0) / v.length);
  return { pairs, baselineMean: mean(a), alteredMean: mean(b), delta: absolute, relative, wilcoxon: pairedWilcoxon(a, b) };
}
