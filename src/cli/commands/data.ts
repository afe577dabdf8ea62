// `vlsm data import FORMAT SRC DST`, `vlsm data check ROOT`, `vlsm data synth --out DIR`,
// `vlsm data pools`: bring public releases into the reference layout, check a dataset, draw the
// synthetic referring dataset, list the predefined pooled datasets.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { checkDataset, formatCheckReport } from '../../data/dataset-check.js';
import { IMPORTERS, importDataset } from '../../data/importers/registry.js';
import { PREDEFINED_POOLS } from '../../data/pooled-dataset.js';
import { writeSyntheticDataset } from '../../prompts/synthetic-referring.js';
import { applyMaxPixels, maxPixelsOption } from '../image-limit-option.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const USAGE = `usage:
  vlsm data import FORMAT SRC DST [--seed N] [--splits DIR] [--resize PX] [--max-pixels N]
      reads a public release in its native layout from SRC and writes the reference
      layout DST/{images,masks,anns/{train,val,test}.json}; --splits DIR takes split
      membership from the reference's own train/val/test.json files (without a train.json,
      as CAMUS ships, what val and test do not list goes to train), otherwise splits
      are drawn with the paper's ratios (by patient where the dataset has patients);
      --resize PX: CAMUS side (default 352) or CheXlocalize short side (default 512);
      0 keeps the original size
      FORMAT: ${Object.keys(IMPORTERS).join(', ')}
  vlsm data check ROOT [--json] [--max-pixels N]
      reports missing files, image/mask size mismatches, non-binary and empty masks,
      duplicate images and leakage across splits; exit code 1 when there are errors
  --max-pixels N: the largest image read, width x height (default 40000000)
  vlsm data synth --out DIR [--n N] [--seed S] [--size PX]
      draws the synthetic referring dataset: several objects per image, the mask of one,
      prompts P0–P9 that tell which (default: --n 100 --seed 0 --size 256)
  vlsm data pools
      lists the predefined pooled datasets and their members`;

function parse(command: string, args: string[], options: Options): { values: Record<string, string | boolean | undefined>; positionals: string[] } | undefined {
  try {
    const { values, positionals } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (error) {
    console.error(`vlsm data ${command}: ${(error as Error).message}\n\n${USAGE}`);
    return undefined;
  }
}

function integer(command: string, name: string, value: string | boolean | undefined, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n)) {
    console.error(`vlsm data ${command}: --${name} must be an integer, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return n;
}

export async function runData(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    (sub === undefined ? console.error : console.log)(USAGE);
    return sub === undefined ? 2 : 0;
  }
  switch (sub) {
    case 'import': return runImport(rest);
    case 'check': return runCheck(rest);
    case 'synth': return runSynth(rest);
    case 'pools': return runPools(rest);
    default:
      console.error(`vlsm data: unknown subcommand '${sub}'; expected import, check, synth or pools\n\n${USAGE}`);
      return 2;
  }
}

async function runImport(args: string[]): Promise<number> {
  const parsed = parse('import', args, { seed: { type: 'string' }, splits: { type: 'string' }, resize: { type: 'string' }, ...maxPixelsOption });
  if (!parsed) return 2;
  if (parsed.values['help']) { console.log(USAGE); return 0; }
  applyMaxPixels(parsed.values['max-pixels'] as string | undefined);
  if (parsed.positionals.length !== 3) {
    console.error(`vlsm data import: expected FORMAT SRC DST, got ${parsed.positionals.length} argument(s)\n\n${USAGE}`);
    return 2;
  }
  const [format, src, dst] = parsed.positionals as [string, string, string];
  const seed = parsed.values['seed'] === undefined ? undefined : integer('import', 'seed', parsed.values['seed'], 0);
  if (parsed.values['seed'] !== undefined && seed === undefined) return 2;
  const resize = parsed.values['resize'] === undefined ? undefined : integer('import', 'resize', parsed.values['resize'], 0);
  if (parsed.values['resize'] !== undefined && resize === undefined) return 2;
  const splits = parsed.values['splits'];
  const result = await importDataset(format, src, dst, {
    ...(seed === undefined ? {} : { seed }),
    ...(typeof splits === 'string' ? { splitsDir: splits } : {}),
    ...(resize === undefined ? {} : { resize }),
    log: (line) => console.error(line),
  });
  console.log(`${result.format}: ${dst}: train ${result.counts.train}, val ${result.counts.val}, test ${result.counts.test}${result.unlisted > 0 ? ` (${result.unlisted} not in the split files, left out)` : ''}`);
  return 0;
}

async function runCheck(args: string[]): Promise<number> {
  const parsed = parse('check', args, { json: { type: 'boolean' }, ...maxPixelsOption });
  if (!parsed) return 2;
  if (parsed.values['help']) { console.log(USAGE); return 0; }
  applyMaxPixels(parsed.values['max-pixels'] as string | undefined);
  if (parsed.positionals.length !== 1) {
    console.error(`vlsm data check: expected one ROOT, got ${parsed.positionals.length}\n\n${USAGE}`);
    return 2;
  }
  const report = await checkDataset(parsed.positionals[0]!);
  console.log(parsed.values['json'] ? JSON.stringify(report, null, 2) : formatCheckReport(report));
  return report.errors > 0 ? 1 : 0;
}

async function runSynth(args: string[]): Promise<number> {
  const parsed = parse('synth', args, { out: { type: 'string' }, n: { type: 'string' }, seed: { type: 'string' }, size: { type: 'string' } });
  if (!parsed) return 2;
  if (parsed.values['help']) { console.log(USAGE); return 0; }
  const out = parsed.values['out'];
  if (typeof out !== 'string' || parsed.positionals.length > 0) {
    console.error(`vlsm data synth: expected --out DIR and no positional arguments\n\n${USAGE}`);
    return 2;
  }
  const n = integer('synth', 'n', parsed.values['n'], 100);
  const seed = integer('synth', 'seed', parsed.values['seed'], 0);
  const size = integer('synth', 'size', parsed.values['size'], 256);
  if (n === undefined || seed === undefined || size === undefined) return 2;
  const counts = await writeSyntheticDataset(out, { n, seed, size });
  console.log(`synthetic referring dataset: ${out}: train ${counts.train}, val ${counts.val}, test ${counts.test}`);
  return 0;
}

async function runPools(args: string[]): Promise<number> {
  const parsed = parse('pools', args, {});
  if (!parsed) return 2;
  if (parsed.values['help']) { console.log(USAGE); return 0; }
  for (const pool of Object.values(PREDEFINED_POOLS)) console.log(`${pool.name}: ${pool.members.map((m) => m.name).join(', ')}`);
  return 0;
}
