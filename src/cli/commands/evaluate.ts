// `vlsm eval` and `vlsm zeroshot`: a model (checkpoint folder, Hub id, or a finetune run folder)
// over datasets × prompt types, scored at the original image size.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../errors.js';
import { formatMeanStd } from '../../eval/aggregate.js';
import { datasetName, itemRows, loadRunModel, testDatasets, withResults } from '../../experiments/finetune-run.js';
import { datasetPromptTypes } from '../../experiments/dataset-prompts.js';
import { resultsPath, type StudyFields } from '../../experiments/results/index.js';
import { savedRun } from '../../experiments/run-recipe.js';
import { studyOfRunConfig } from '../../experiments/run-study.js';
import { load } from '../../models/load.js';
import { parseResample, RESAMPLES } from '../../models/resample.js';
import type { SegmentationModel } from '../../models/types.js';
import { parsePromptType, parseTemplateChoice, type PromptType } from '../../prompts/prompt-selection.js';
import { hasCheckpoint } from '../../train/checkpoint.js';
import { resolveRecipe, type Recipe } from '../../train/recipes.js';
import { applyMaxPixels, maxPixelsOption, maxPixelsUsage } from '../image-limit-option.js';
import { placementFrom, placementOptions, placementUsage } from '../placement-options.js';
import { placeForInference } from '../../models/placement.js';

const usage = (verb: string): string => `usage: vlsm ${verb} --model ID|DIR|RUN --data ROOT [--data ROOT]... [options]

  --model        a checkpoint folder, a HuggingFace id, or a \`vlsm finetune\` run folder (its best checkpoint)
  --data ROOT    a dataset in the reference layout (images/, masks/, anns/); its test split is scored
  --anns FILE    score this annotation file (e.g. perturbed prompts) instead of ROOT/anns/test.json,
                 for the images and masks of the one --data ROOT; nothing is copied
  --prompts LIST prompt types, comma-separated (default ${verb === 'zeroshot' ? "each dataset's own: the prompt keys of its test entries" : 'p6'})
  --threshold P  probability threshold (default: the model's)
  --resample M   how predictions return to the original size: ${RESAMPLES.join(', ')}
                 (default: the model family's, as \`vlsm segment\` and \`vlsm serve\`; see src/models/resample.ts)
  --templates    random, first or all: which template of a list prompt is scored (default: the
                 recipe's test_templates; 'all' scores each and reports the last one's, as the CRIS fork)
  --random-p0 yes|no  whether prompt type random may draw p0 (default: the recipe's random_includes_p0)
  --out DIR      where per-image CSVs (and masks with --masks) go (default eval-<model>)
  --masks        also write the predicted masks
  --results DB   results database (default $VLSM_RESULTS or ./vlsm-results.sqlite); --no-results skips it
${placementUsage}
${maxPixelsUsage}`;

/** A finetune run folder gives back its model with the best weights; anything else loads. */
export async function modelFrom(spec: string): Promise<{ model: SegmentationModel; recipe?: Recipe; trained?: StudyFields }> {
  if (existsSync(join(spec, 'config.json')) && hasCheckpoint(join(spec, 'checkpoints'), 'best')) {
    const { model, recipe } = await loadRunModel(spec);
    // A fine-tune run folder: how its model was trained (setting, datasets, frozen parts).
    const { setting, trainedOn, frozen } = studyOfRunConfig(savedRun(spec).config, model.family);
    return { model, recipe, trained: { setting, trainedOn, frozen } };
  }
  return { model: await load(spec) };
}

export async function runEvaluate(argv: string[], verb: 'eval' | 'zeroshot' = 'eval'): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' }, data: { type: 'string', multiple: true, default: [] }, anns: { type: 'string' }, prompts: { type: 'string' },
      threshold: { type: 'string' }, resample: { type: 'string' }, resampling: { type: 'string' }, templates: { type: 'string' }, 'random-p0': { type: 'string' }, out: { type: 'string' }, masks: { type: 'boolean' },
      quiet: { type: 'boolean' }, results: { type: 'string' }, 'no-results': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      ...maxPixelsOption,
      ...placementOptions,
    },
  });
  if (values.help) {
    console.log(usage(verb));
    return 0;
  }
  if (!values.model || values.data!.length === 0) {
    console.error(`vlsm ${verb}: --model and --data are required\n\n${usage(verb)}`);
    return 2;
  }
  if (values.anns !== undefined && values.data!.length !== 1) throw new ConfigError(`--anns names the prompts of one dataset; give exactly one --data ROOT (got ${values.data!.length})`, undefined, '--anns');
  if (values.anns !== undefined && !existsSync(values.anns)) throw new ConfigError(`--anns ${values.anns}: no such annotation file`, values.anns, '--anns');
  applyMaxPixels(values['max-pixels']);
  const placement = placementFrom(values);
  const given = values.prompts ?? (verb === 'zeroshot' ? undefined : 'p6');
  const prompts = given === undefined ? undefined : given.split(',').map((p) => parsePromptType(p.trim()));
  // --resampling is the option's former name; its 'bilinear' meant bilinear on the logits.
  const resampleFlag = values.resample ?? (values.resampling === 'bilinear' ? 'bilinear-logits' : values.resampling);
  const chosen = resampleFlag === undefined ? undefined : parseResample(resampleFlag, '--resample');
  const { model, recipe: trained, trained: trainedStudy } = await modelFrom(values.model);
  try {
    placeForInference(model, placement, '--precision');
  } catch (error) {
    model.dispose();
    throw error;
  }
  const resampling = chosen ?? model.resample;
  const base = trained ?? resolveRecipe(model.family);
  const threshold = values.threshold === undefined ? model.threshold : Number(values.threshold);
  if (!(threshold > 0 && threshold < 1)) throw new ConfigError(`--threshold must be in (0, 1), got '${values.threshold}'`);
  const randomP0 = values['random-p0'];
  if (randomP0 !== undefined && randomP0 !== 'yes' && randomP0 !== 'no') throw new ConfigError(`--random-p0 must be yes or no, got '${randomP0}'`);
  const recipe: Recipe = {
    ...base, threshold, eval_resample: resampling,
    ...(values.templates === undefined ? {} : { test_templates: parseTemplateChoice(values.templates, '--templates') }),
    ...(randomP0 === undefined ? {} : { random_includes_p0: randomP0 === 'yes' }),
  };
  const outDir = values.out ?? `eval-${values.model.replace(/[^A-Za-z0-9._-]+/g, '_')}`;
  const datasets = values.data!.map((root) => ({ root, ...(values.anns === undefined ? {} : { anns: values.anns }) }));
  const rows: string[] = [];
  const database = values['no-results'] ? false : resultsPath(values.results);
  // Without --prompts (zero-shot), each dataset with its own family's prompt set.
  const promptsOf = new Map<string, PromptType[]>();
  for (const d of datasets) promptsOf.set(d.root, prompts ?? (await datasetPromptTypes(d.root)));
  const allPrompts = [...new Set([...promptsOf.values()].flat())];
  const config = {
    model: values.model, data: values.data, ...(values.anns === undefined ? {} : { anns: values.anns }), ...(values.masks ? { masksDir: resolve(outDir, 'masks') } : {}),
    prompts: prompts ?? 'dataset', threshold, resampling, templates: recipe.test_templates, randomIncludesP0: recipe.random_includes_p0,
    device: placement.device, precision: placement.precision,
  };
  const study: StudyFields = {
    family: model.family, setting: null, trainedOn: null, frozen: null, ...trainedStudy,
    testedOn: datasets.map(datasetName), promptType: allPrompts.length === 1 ? allPrompts[0]! : null, precision: placement.precision,
  };
  const { runId } = await withResults(database, { kind: verb, config, model: model.family, ...study }, async (store, id) => {
    for (const promptType of allPrompts) {
      const results = await testDatasets(model, datasets.filter((d) => promptsOf.get(d.root)!.includes(promptType)), promptType, recipe, outDir, Boolean(values.masks), !values.quiet);
      if (store && id !== undefined) store.addItemMetrics(id, itemRows(results));
      for (const r of results) {
        rows.push(`| ${r.dataset} | ${promptType}${r.perTemplate ? ' (last template)' : ''} | ${formatMeanStd(r.dice)} | ${formatMeanStd(r.iou)} | ${r.dice.count} |`);
        for (const t of r.perTemplate ?? []) rows.push(`| ${r.dataset} | ${promptType} template ${t.template + 1} | ${formatMeanStd(t.dice)} | ${formatMeanStd(t.iou)} | ${t.dice.count} |`);
      }
    }
    return {};
  });
  console.log(`\n${model.family} ${verb} (Dice and IoU ×100 at the original size, mean ± sample std)\n`);
  console.log('| dataset | prompt | Dice | IoU | n |\n|---|---|---|---|---|');
  console.log(rows.join('\n'));
  console.log(`\nper-image CSVs in ${outDir}/test/ (${datasets.map(datasetName).join(', ')})${runId === undefined ? '' : `; results database run ${runId} (${database})`}`);
  model.dispose();
  return 0;
}

export const runZeroshot = (argv: string[]): Promise<number> => runEvaluate(argv, 'zeroshot');
