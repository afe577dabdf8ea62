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

/** The least CPU time (user + system, this process) of `repeat` runs after one warm-up, in milliseconds. */
export function bestCpuMs(fn: () => void, repeat: number): number {
  fn();
  let best = Infinity;
  for (let i = 0; i < repeat; i++) {
    const t0 = process.cpuUsage();
    fn();
    const t = process.cpuUsage(t0);
    best = Math.min(best, (t.user + t.system) / 1e3);
  }
  return best;
}
