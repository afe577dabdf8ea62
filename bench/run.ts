// `npm run bench`: speed and memory figures, each beside PyTorch's on the same machine when
// Debian's python3-torch is installed (bench/pytorch-reference.py); targets are checked here.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { torch } from '../src/index.js';
import { packageRoot } from '../src/package-root.js';
import { biomedClipSegFigures } from './biomedclipseg.js';
import { clipsegFigures } from './clipseg.js';
import { cnnTrainStepFigures } from './cnn.js';
import { crisFigures } from './cris.js';
import { featureCacheFigures } from './feature-cache.js';
import { promptFigures } from './prompts.js';
import { serveFigures } from './serve.js';
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

const sections = ['engine', 'clipseg', 'cris', 'biomedclipseg', 'cnn', 'cache', 'prompts', 'serve'] as const;
type Section = (typeof sections)[number];

function header(title: string, note = ''): void {
  console.log(`\n${title.padEnd(26)}${'vlsm'.padStart(10)}${'PyTorch'.padStart(10)}${'ratio'.padStart(8)}  ${note}`);
}

async function main(): Promise<void> {
  // `npm run bench -- engine clipseg` runs only those sections.
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !(sections as readonly string[]).includes(w));
  if (unknown.length) throw new Error(`unknown bench section(s) ${unknown.join(', ')}; choose from ${sections.join(', ')}`);
  const run = (s: Section): boolean => wanted.length === 0 || wanted.includes(s);
  const threads = torch.getNumThreads();
  console.log(`vlsm bench: libtorch ${torch.version()}, ${threads} threads, OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY}`);
  const reference = (script: string): Record<string, number | string> | undefined => pytorchFigures(threads, join(packageRoot(), 'bench', script));
  let missed = 0;

  if (run('engine')) {
    const theirs = reference('pytorch-reference.py');
    if (theirs) console.log(`PyTorch ${theirs.torch} from Python on the same machine for comparison`);
    header('engine', 'target');
    const ours = engineFigures();
    for (const key of Object.keys(ours) as (keyof EngineFigures)[]) {
      if (row(key, ours[key], theirs?.[key] as number | undefined, higherIsBetter[key], true)) missed++;
    }
  }
  if (run('clipseg')) {
    header('CLIPSeg rd64-refined 352²', '(random weights, inference mode)');
    const ours = clipsegFigures();
    const ref = reference('pytorch-clipseg.py');
    if (row('batch1_ms', ours.batch1_ms, ref?.batch1_ms as number | undefined, false, true)) missed++;
    if (row('batch8_ms_per_image', ours.batch8_ms_per_image, ref?.batch8_ms_per_image as number | undefined, false, true)) missed++;
    row('images_per_s (batch 8)', ours.images_per_s, ref?.images_per_s as number | undefined, true, false);
    row('vision_share', ours.vision_share, undefined, undefined, false);
    row('peak_rss_mib', ours.peak_rss_mib, undefined, undefined, false);
  }
  if (run('cris')) {
    header('CRIS RN50 416²', '(random weights; reference 642 ms/image, recorded earlier)');
    const ours = crisFigures();
    row('batch1_ms', ours.batch1_ms, 642, false, true) && missed++;
    row('batch8_ms_per_image', ours.batch8_ms_per_image, undefined, undefined, false);
    row('backbone_share', ours.backbone_share, undefined, undefined, false);
    row('peak_rss_mib', ours.peak_rss_mib, undefined, undefined, false);
  }
  if (run('biomedclipseg')) {
    header('BiomedCLIPSeg 224²', '(random weights)');
    const ours = biomedClipSegFigures();
    const ref = reference('pytorch-biomedclipseg.py');
    row('batch1_ms', ours.batch1_ms, ref?.batch1_ms as number | undefined, false, true) && missed++;
    row('batch8_ms_per_image', ours.batch8_ms_per_image, ref?.batch8_ms_per_image as number | undefined, false, true) && missed++;
    row('vision_share', ours.vision_share, undefined, undefined, false);
    row('text_share', ours.text_share, undefined, undefined, false);
  }
  if (run('cnn')) {
    header('CNN train step, batch 16, 256²', '(ResNet-50 encoders; PyTorch via bench/cnn-pytorch-reference.py)');
    const ours = cnnTrainStepFigures();
    const ref = reference('cnn-pytorch-reference.py');
    for (const [key, value] of Object.entries(ours)) row(key, value!, ref?.[key] as number | undefined, false, false);
  }
  if (run('cache')) {
    header('frozen-feature cache', '(full-size CLIPSeg, decoder-only epoch)');
    const ours = await featureCacheFigures();
    row('uncached_epoch_s', ours.uncached_epoch_s, undefined, undefined, false);
    row('cold_cache_epoch_s', ours.cold_cache_epoch_s, undefined, undefined, false);
    row('warm_cache_epoch_s', ours.warm_cache_epoch_s, undefined, undefined, false);
    row('uncached / warm', ours.ratio, undefined, undefined, false);
  }
  if (run('prompts')) {
    header('prompt generation', '(reference: 6-9 ms per mask)');
    const ours = await promptFigures();
    row('mask_attributes_ms', ours.mask_attributes_ms, 7.5, false, true) && missed++;
  }
  if (run('serve')) {
    header('page prompt change', '(full-size CLIPSeg, random weights; target 120 ms fp32)');
    const fp32 = await serveFigures('float32');
    row('first_prompt_ms', fp32.first_prompt_ms, undefined, undefined, false);
    row('prompt_change_ms', fp32.prompt_change_ms, undefined, undefined, false);
    if (fp32.prompt_change_ms > 120) missed++;
    row('prompt_change_with_png_ms', fp32.prompt_change_with_png_ms, undefined, undefined, false);
    row('uncached_ms', fp32.uncached_ms, undefined, undefined, false);
  }

  if (missed) {
    console.log(`\n${missed} target(s) missed`);
    process.exitCode = 1;
  }
}

await main();
