// `npm run bench`: speed and memory figures, each beside PyTorch's on the same machine when
// Debian's python3-torch is installed (bench/pytorch-reference.py); targets are checked here.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { torch } from '../src/index.js';
import { packageRoot } from '../src/torch/native.js';
import { clipsegFigures } from './clipseg.js';
import { engineFigures, type EngineFigures } from './engine.js';

const higherIsBetter: Record<keyof EngineFigures, boolean> = { matmul512_gflops: true, matmul2048_gflops: true, conv_fwd_bwd_ms: false, op_overhead_us: false };

function pytorchFigures(threads: number, script = join(packageRoot(), 'bench', 'pytorch-reference.py')): Record<string, number | string> | undefined {
  const python = process.env.VLSM_BENCH_PYTHON ?? '/usr/bin/python3';
  if (!existsSync(python)) return undefined;
  const r = spawnSync(python, [script, String(threads)], { encoding: 'utf8', env: { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' } });
  if (r.status !== 0) {
    console.log(`(PyTorch reference not run: ${r.stderr.trim().split('\n').pop()})`);
    return undefined;
  }
  return JSON.parse(r.stdout) as Record<string, number | string>;
}

function row(name: string, mine: number, ref: number | undefined, higherBetter: boolean | undefined, target: boolean): boolean {
  // ratio > 1 means vlsm is better; the target is within 0.8x of PyTorch.
  const ratio = ref === undefined || higherBetter === undefined ? undefined : higherBetter ? mine / ref : ref / mine;
  const verdict = ratio === undefined || !target ? '' : ratio >= 0.8 ? 'ok (>= 0.8x)' : 'MISSED (< 0.8x)';
  console.log(`${name.padEnd(26)}${mine.toFixed(2).padStart(10)}${ref === undefined ? '-'.padStart(10) : ref.toFixed(2).padStart(10)}${ratio === undefined ? '' : ratio.toFixed(2).padStart(8)}  ${verdict}`);
  return verdict.startsWith('MISSED');
}

function main(): void {
  const threads = torch.getNumThreads();
  console.log(`vlsm bench: libtorch ${torch.version()}, ${threads} threads, OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY}`);
  const theirs = pytorchFigures(threads);
  if (theirs) console.log(`PyTorch ${theirs.torch} from Python on the same machine for comparison`);
  let missed = 0;
  console.log(`\n${'engine'.padEnd(26)}${'vlsm'.padStart(10)}${'PyTorch'.padStart(10)}${'ratio'.padStart(8)}  target`);
  const ours = engineFigures();
  for (const key of Object.keys(ours) as (keyof EngineFigures)[]) {
    // Per-op overhead is about a microsecond on both sides and only matters for tiny ops: reported, not a target.
    if (row(key, ours[key], theirs?.[key] as number | undefined, higherIsBetter[key], key !== 'op_overhead_us')) missed++;
  }

  console.log(`\n${'CLIPSeg rd64-refined 352²'.padEnd(26)}${'vlsm'.padStart(10)}${'PyTorch'.padStart(10)}${'ratio'.padStart(8)}  (random weights, inference mode)`);
  const clipseg = clipsegFigures();
  const ref = pytorchFigures(threads, join(packageRoot(), 'bench', 'pytorch-clipseg.py'));
  if (row('batch1_ms', clipseg.batch1_ms, ref?.batch1_ms as number | undefined, false, true)) missed++;
  if (row('batch8_ms_per_image', clipseg.batch8_ms_per_image, ref?.batch8_ms_per_image as number | undefined, false, true)) missed++;
  row('images_per_s (batch 8)', clipseg.images_per_s, ref?.images_per_s as number | undefined, true, false);
  row('vision_share', clipseg.vision_share, undefined, undefined, false);
  row('peak_rss_mib', clipseg.peak_rss_mib, undefined, undefined, false);

  if (missed) {
    console.log(`\n${missed} target(s) missed`);
    process.exitCode = 1;
  }
}

main();
