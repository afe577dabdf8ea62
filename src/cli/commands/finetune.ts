// `vlsm finetune`: train a model as a run config says, then test its best checkpoint.
import { parseArgs } from 'node:util';
import { formatMeanStd } from '../../eval/aggregate.js';
import { runFinetune } from '../../experiments/finetune-run.js';
import { readRunConfig } from '../../experiments/run-config.js';
import { resolveDevice } from '../../models/placement.js';
import { parsePrecision } from '../../models/precision.js';

const usage = `usage: vlsm finetune --config RUN.yaml [--set key=value]... [--resume]

  --config FILE     YAML or JSON run config: model, data, prompt, recipe, train (recipe overrides), out
  --set key=value   override a config field, e.g. --set train.lr=1e-4 --set prompt=p4 (repeatable)
  --resume          continue the run in the config's out folder from its last checkpoint
  --device D        cpu, cuda, cuda:N or auto (the config's device:, default cpu)
  --precision P     fp32, bf16 or fp16 (the config's precision:; default: the recipe's, fp32 on the CPU)
  --quiet           no progress bar

The run folder gets checkpoints/{best,last}, log.jsonl, config.json, test/*.csv and summary.json.`;

export async function runFinetuneCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, set: { type: 'string', multiple: true, default: [] }, device: { type: 'string' }, precision: { type: 'string' }, resume: { type: 'boolean' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.config && values.set!.length === 0) {
    console.error(`vlsm finetune: give --config (and optionally --set)\n\n${usage}`);
    return 2;
  }
  if (values.device !== undefined) resolveDevice(values.device, '--device');
  if (values.precision !== undefined) parsePrecision(values.precision, '--precision');
  // The flags win over the config's fields: they are applied as its last overrides.
  const sets = [...values.set!, ...(values.device === undefined ? [] : [`device=${values.device}`]), ...(values.precision === undefined ? [] : [`precision=${values.precision}`])];
  const config = readRunConfig(values.config, sets);
  const outcome = await runFinetune(config, { resume: values.resume, progress: !values.quiet });
  console.log(`\n${outcome.training.status}: best val Dice ${outcome.training.bestDice?.toFixed(4) ?? '-'} at epoch ${outcome.training.state.bestEpoch ?? '-'}`);
  for (const t of outcome.tests) console.log(`test ${t.dataset} ${t.promptType}: Dice ${formatMeanStd(t.dice)}, IoU ${formatMeanStd(t.iou)} (n=${t.dice.count})`);
  console.log(`run folder: ${outcome.outDir}`);
  return 0;
}
