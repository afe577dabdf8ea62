// The best wall time of `repeat` runs after one warm-up, in milliseconds.
export function bestMs(fn: () => void, repeat: number): number {
  fn();
  let best = Infinity;
  for (let i = 0; i < repeat; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return best;
}
