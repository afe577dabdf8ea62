// `vlsm robustness`: the test prompts of a dataset perturbed one attribute at a time, each scored
// by the same model and paired with the unperturbed baseline; every evaluation is stored as a run.
import { parseArgs } from 'node:util';
import { ConfigError } from '../../errors.js';
import { openResults, resultsPath } from '../../experiments/results/index.js';
import { ROBUSTNESS_ATTRIBUTES, runRobustness } from '../../experiments/robustness.js';
import { PERTURB_MODES, type PerturbMode } from '../../prompts/perturb-prompt.js';
import { resolveRecipe } from '../../train/recipes.js';
import { applyMaxPixels, maxPixelsOption, maxPixelsUsage } from '../image-limit-option.js';
import { modelFrom } from './evaluate.js';

const usage = `usage: vlsm robustness --model RUN|DIR --data ROOT --attributes LIST --modes LIST [options]

  --model RUN|DIR  a \`vlsm finetune\` run folder (its best checkpoint), a checkpoint folder or a HuggingFace id
  --data ROOT      a dataset in the reference layout whose anns/test.json holds prompts with "attributes"
                   (\`vlsm prompts generate\`)
  --attributes L   comma-separated, e.g. ${ROBUSTNESS_ATTRIBUTES.join(',')}
  --modes L        ${PERTURB_MODES.join(',')} (random-word: an uncommon English word; opposite: the
                   opposite size, location or number, or another shape, colour or class of this dataset)
  --prompt pK      the prompt type perturbed (default p6)
  --seed N         seed of the replacements and of the bootstrap (default: the recipe's seed)
  --db FILE        results database (default $VLSM_RESULTS or ./vlsm-results.sqlite)
  --suite NAME     the suite the runs belong to
  --out DIR        where the masks go (default robustness-<model>); Figure 4 of \`vlsm report\` reads them
  --quiet          no progress bars
${maxPixelsUsage}

Stores the baseline and one 'eval' run per attribute × mode (with its perturbation), then prints
per attribute and mode the change of mean Dice over the paired images with 95% bootstrap CIs and the
paired Wilcoxon signed-rank p-value.`;

const list = (s: string | undefined): string[] => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
const pct = (v: number): string => (Number.isFinite(v) ? (v * 100).toFixed(2) : 'n/a');

export async function runRobustnessCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' }, data: { type: 'string' }, attributes: { type: 'string' }, modes: { type: 'string' }, prompt: { type: 'string' },
      seed: { type: 'string' }, db: { type: 'string' }, suite: { type: 'string' }, out: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      ...maxPixelsOption,
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.model || !values.data || values.attributes === undefined || values.modes === undefined) {
    console.error(`vlsm robustness: --model, --data, --attributes and --modes are required\n\n${usage}`);
    return 2;
  }
  const modes = list(values.modes);
  for (const m of modes) if (!(PERTURB_MODES as readonly string[]).includes(m)) throw new ConfigError(`--modes: unknown mode "${m}"; modes: ${PERTURB_MODES.join(', ')}`, undefined, '--modes');
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0)) throw new ConfigError(`--seed must be a non-negative integer, got '${values.seed}'`, undefined, '--seed');
  applyMaxPixels(values['max-pixels']);
  const { model, recipe: trained } = await modelFrom(values.model);
  const store = openResults(resultsPath(values.db));
  try {
    const outDir = values.out ?? `robustness-${values.model.replace(/[^A-Za-z0-9._-]+/g, '_')}`;
    const outcome = await runRobustness({
      model, modelSpec: values.model, data: values.data, attributes: list(values.attributes), modes: modes as PerturbMode[], prompt: values.prompt,
      recipe: trained ?? resolveRecipe(model.family), seed, outDir, store, suite: values.suite, progress: !values.quiet,
    });
    console.log(`\n${model.family} robustness on ${outcome.dataset}, prompt ${outcome.prompt}: baseline run ${outcome.baselineRunId} (${outcome.baselineItems} images); Dice ×100, 95% bootstrap CIs over paired images\n`);
    console.log('| attribute | mode | run | images | baseline | perturbed | ΔDice [95% CI] | relative ΔDice % [95% CI] | Wilcoxon p |\n|---|---|---:|---:|---:|---:|---|---|---:|');
    for (const r of outcome.rows) {
      const c = r.change;
      console.log(`| ${r.attribute} | ${r.mode} | ${r.runId} | ${c.pairs} | ${pct(c.baselineMean)} | ${pct(c.alteredMean)} | ${pct(c.delta.estimate)} [${pct(c.delta.low)}, ${pct(c.delta.high)}] | ${pct(c.relative.estimate)} [${pct(c.relative.low)}, ${pct(c.relative.high)}] | ${Number.isNaN(c.wilcoxon.pValue) ? 'n/a' : c.wilcoxon.pValue.toPrecision(3)} |`);
    }
    const skipped = outcome.rows.filter((r) => r.skipped > 0);
    if (skipped.length > 0) console.log(`\nnot scored (prompt without the attribute's value): ${skipped.map((r) => `${r.attribute}/${r.mode} ${r.skipped}`).join(', ')}`);
    console.log(`\nruns in ${store.path}; masks under ${outDir}/masks/`);
  } finally {
    store.close();
    model.dispose();
  }
  return 0;
}
