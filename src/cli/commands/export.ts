// `vlsm export RUN|DIR --to DIR`: a finetune run (its best or last checkpoint) or a model folder
// → a folder its home library loads (transformers, open_clip, CRIS.pytorch, smp), with README.md.
import { parseArgs } from 'node:util';
import { exportFolder } from '../../experiments/export/index.js';
import { EXPORT_DTYPES, HOME_FORMATS, type ExportDtype, type HomeFormat } from '../../models/export/index.js';

const USAGE = `usage: vlsm export RUN|DIR --to DIR [options]
  RUN|DIR                a finetune run folder, or a model folder vlsm loads
  --to DIR               the export folder (created; must be empty unless --force)
  --format F             auto (default: the family's home format) or ${HOME_FORMATS.join(', ')}
                         (CLIPSeg hf, BiomedCLIPSeg open_clip, CRIS cris, UNet/UNet++/DeepLabV3+ smp)
  --checkpoint C         best (default) or last, for a run folder
  --dtype D              ${Object.keys(EXPORT_DTYPES).join(', ')} (default fp32)
  --module-prefix B      CRIS: keys under DataParallel's 'module.' (true, default) or not (false)
  --db FILE              the results store for the model card's scores (default: the run's)
  --name NAME            the model card's title (default: the run's name)
  --force                write into a non-empty folder (same-named files are replaced)
  --json                 print what was written as JSON`;

export async function runExport(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        to: { type: 'string' }, format: { type: 'string' }, checkpoint: { type: 'string' }, dtype: { type: 'string' },
        'module-prefix': { type: 'string' }, db: { type: 'string' }, name: { type: 'string' }, force: { type: 'boolean' },
        json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    console.error(`vlsm export: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const fail = (message: string): number => {
    console.error(`vlsm export: ${message}\n\n${USAGE}`);
    return 2;
  };
  if (parsed.positionals.length !== 1) return fail(`expected one RUN or DIR, got ${parsed.positionals.length}`);
  if (!v.to) return fail('--to DIR is required');
  const format = v.format ?? 'auto';
  if (format !== 'auto' && !(HOME_FORMATS as readonly string[]).includes(format)) return fail(`--format must be auto or one of ${HOME_FORMATS.join(', ')}, got '${format}'`);
  const checkpoint = v.checkpoint ?? 'best';
  if (checkpoint !== 'best' && checkpoint !== 'last') return fail(`--checkpoint must be best or last, got '${checkpoint}'`);
  const dtype = v.dtype ?? 'fp32';
  if (!(dtype in EXPORT_DTYPES)) return fail(`--dtype must be one of ${Object.keys(EXPORT_DTYPES).join(', ')}, got '${dtype}'`);
  const prefix = v['module-prefix'];
  if (prefix !== undefined && prefix !== 'true' && prefix !== 'false') return fail(`--module-prefix must be true or false, got '${prefix}'`);
  const result = await exportFolder(parsed.positionals[0]!, {
    to: v.to,
    format: format as HomeFormat | 'auto',
    checkpoint,
    dtype: dtype as ExportDtype,
    force: v.force === true,
    ...(prefix !== undefined ? { modulePrefix: prefix === 'true' } : {}),
    ...(v.db !== undefined ? { db: v.db } : {}),
    ...(v.name !== undefined ? { name: v.name } : {}),
  });
  if (v.json) {
    console.log(JSON.stringify({ dir: result.dir, family: result.family, format: result.format, library: result.library, files: result.files, scores: result.results?.tests.length ?? 0 }, null, 2));
  } else {
    console.log(`${result.dir}: ${result.family} exported for ${result.library} (${result.format}): ${result.files.join(', ')}`);
    if (!result.results) console.log('  (no test scores found in the results store; the model card says so)');
  }
  return 0;
}
