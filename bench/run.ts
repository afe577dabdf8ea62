// `npm run bench`: speed and memory figures, each beside PyTorch's on the same machine when
// Debian's python3-torch is installed (bench/pytorch-reference.py); targets are checked here.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { torch } from '../src/index.js';
import { packageRoot } from '../src/torch/native.js';
import { engineFigures, type EngineFigures } from './engine.js';

const higherIsBetter: Record<keyof EngineFigures, boolean> = { matmul512_gflops: true, matmul2048_gflops: true, conv_fwd_bwd_ms: false, op_overhead_us: false };

function pytorchFigures(threads: number): Partial<EngineFigures> & { torch?: string } | undefined {
  const script = join(packageRoot(), 'bench', 'pytorch-reference.py');
  const python = process.env.VLSM_BENCH_PYTHON ?? '/usr/bin/python3';
  if (!existsSync(python)) return undefined;
  const r = spawnSync(python, [script, String(threads)], { encoding: 'utf8', env: { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' } });
  if (r.status !== 0) {
    console.log(`(PyTorch reference not run: ${r.stderr.trim().split('\n').pop()})`);
    return undefined;
  }
  return JSON.parse(r.stdout) as EngineFigures & { torch: string };
}

function main(): void {
  const threads = torch.getNumThreads();
  console.log(`vlsm bench: libtorch ${torch.version()}, ${threads} threads, OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY}`);
  const ours = engineFigures();
  const theirs = pytorchFigures(threads);
  if (theirs) console.log(`PyTorch ${theirs.torch} from Python on the same machine for comparison`);
  console.log(`\n${'engine'.padEnd(22)}${'vlsm'.padStart(10)}${'PyTorch'.padStart(10)}${'ratio'.padStart(8)}  target`);
  let failed = 0;
  for (const key of Object.keys(ours) as (keyof EngineFigures)[]) {
    const mine = ours[key];
    const ref = theirs?.[key];
    // ratio > 1 means vlsm is better; the target is within 0.8x of PyTorch.
    const ratio = ref === undefined ? undefined : higherIsBetter[key] ? mine / ref : ref / mine;
    // Per-op overhead is sub-microsecond on both sides and only matters for tiny ops: reported, not a target.
    const targeted = key !== 'op_overhead_us';
    const verdict = ratio === undefined || !targeted ? '' : ratio >= 0.8 ? 'ok (>= 0.8x)' : 'MISSED (< 0.8x)';
    if (verdict.startsWith('MISSED')) failed++;
    console.log(`${key.padEnd(22)}${mine.toFixed(2).padStart(10)}${ref === undefined ? '-'.padStart(10) : ref.toFixed(2).padStart(10)}${ratio === undefined ? '' : ratio.toFixed(2).padStart(8)}  ${verdict}`);
  }
  if (failed) {
    console.log(`\n${failed} target(s) missed`);
    process.exitCode = 1;
  }
}

main();
