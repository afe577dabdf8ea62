// `vlsm demo`: the README's main job, on bundled data only (see experiments/demo.ts).
import { parseArgs } from 'node:util';
import { runDemo } from '../../experiments/demo.js';
import { demoTable } from '../../report/demo-table.js';
import * as torch from '../../torch/index.js';
import { applyMaxPixels, maxPixelsOption } from '../image-limit-option.js';
import { placementFrom, placementOptions, placementUsage } from '../placement-options.js';

const usage = `usage: vlsm demo [--out DIR] [--epochs N] [--images N] [--seed S] [--quiet] [--max-pixels N] [--device D] [--precision P]

On bundled data only (a synthetic referring dataset it draws, and the BUSI sample in assets/),
generates prompts, fine-tunes a small VLSM (CLIPSeg architecture) with prompts P0 and P3 and a
U-Net baseline from scratch on the CPU, evaluates them on the test splits, prints a Dice table,
writes overlays to DIR/overlays and stores every run in DIR/vlsm-results.sqlite
(\`vlsm results list --db DIR/vlsm-results.sqlite\`). Defaults: --out demo-output --epochs 30
--images 1200 --seed 0 --max-pixels 40000000 (the largest image read). Takes about 10 minutes on 2 CPU cores.

${placementUsage}`;

export async function runDemoCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string', default: 'demo-output' },
      epochs: { type: 'string', default: '30' },
      images: { type: 'string', default: '1200' },
      seed: { type: 'string', default: '0' },
      quiet: { type: 'boolean' },
      ...maxPixelsOption,
      ...placementOptions,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  applyMaxPixels(values['max-pixels']);
  const placement = placementFrom(values);
  const epochs = Number(values.epochs);
  const images = Number(values.images);
  const seed = Number(values.seed);
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`--epochs must be a positive integer, got '${values.epochs}'`);
  if (!Number.isInteger(images) || images < 20) throw new RangeError(`--images must be an integer of at least 20, got '${values.images}'`);
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`--seed must be a non-negative integer, got '${values.seed}'`);
  const info = torch.info();
  console.log(`vlsm demo: libtorch ${info.libtorchVersion}, ${info.threads} threads, ${info.cudaAvailable ? `${info.cudaDevices} CUDA device(s)` : 'CPU'}`);
  const rows = await runDemo({ out: values.out!, epochs, images, seed, placement, progress: !values.quiet && Boolean(process.stderr.isTTY) });
  console.log(`\n${demoTable(rows)}\n`);
  console.log(`overlays: ${values.out}/overlays/   runs: ${values.out}/runs/   results: ${values.out}/vlsm-results.sqlite`);
  return 0;
}
