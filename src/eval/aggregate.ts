// Summaries of per-item metrics as the paper reports them: mean and *sample* standard deviation
// (pandas' default, ddof = 1), so BUSI P6 reads 81.78 ± 22.74, not the population 22.60
// (docs/evaluation.md §2). NaN items (`emptyEmpty: 'nan'`) are left out and
// counted apart, like pandas' skipna.

export interface Summary {
  /** Items that entered the statistics (NaN left out). */
  count: number;
  /** Items left out because their value was NaN. */
  nanCount: number;
  mean: number;
  /** Sample standard deviation (ddof 1); NaN for fewer than two items, as pandas gives. */
  std: number;
  median: number;
  min: number;
  max: number;
}

/** Arithmetic mean; NaN for no values. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let total = 0;
  for (const v of values) total += v;
  return total / values.length;
}

/**
 * Standard deviation with `ddof` delta degrees of freedom: 1 (default) is the sample std of
 * pandas and of the paper's tables, 0 the population std of numpy. NaN when n ≤ ddof.
 */
export function std(values: readonly number[], ddof = 1): number {
  const n = values.length;
  if (n - ddof <= 0) return Number.NaN;
  const m = mean(values);
  let squares = 0;
  for (const v of values) squares += (v - m) * (v - m);
  return Math.sqrt(squares / (n - ddof));
}

/** Median (mean of the two middle values for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Count, mean, sample std, median, min and max; NaN values left out and counted. */
export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((v) => !Number.isNaN(v));
  return {
    count: finite.length,
    nanCount: values.length - finite.length,
    mean: mean(finite),
    std: std(finite),
    median: median(finite),
    min: finite.length ? Math.min(...finite) : Number.NaN,
    max: finite.length ? Math.max(...finite) : Number.NaN,
  };
}

/** "mean ± std" with `digits` decimals (2, as the paper prints); "n/a" for NaN. */
export function formatMeanStd(s: Pick<Summary, 'mean' | 'std'>, digits = 2): string {
  const f = (v: number): string => (Number.isNaN(v) ? 'n/a' : v.toFixed(digits));
  return `${f(s.mean)} ± ${f(s.std)}`;
}
