// The robustness study (paper §4, Figure 3): the test prompts of a dataset perturbed one
// attribute at a time (a random uncommon word, or another value from the dataset's own value set),
// each perturbed test scored by the same model on the same images, paired with the unperturbed
// baseline. Every evaluation is stored as an 'eval' run (perturbed ones with `perturbation` and
// their baseline's id), so the report draws Figure 3 from the store; masks are kept for Figure 4.
import { join, resolve } from 'node:path';
import type { AnnotationEntry } from '../data/annotation-file.js';
import type { DatasetRecord } from '../data/record.js';
import { entryToRecord, readReferenceDataset } from '../data/reference-layout.js';
import { ConfigError, DatasetError, VlsmError } from '../errors.js';
import { summarize } from '../eval/aggregate.js';
import { evaluate, type EvaluatedItem } from '../eval/evaluate.js';
import { pairedChange, type PairedChange } from '../eval/paired-change.js';
import type { SegmentationModel } from '../models/types.js';
import { datasetAttributeValues, PERTURB_MODES, perturbPrompt, type PerturbMode } from '../prompts/perturb-prompt.js';
import type { RenderedAttributes } from '../prompts/prompt-set.js';
import { parsePromptType } from '../prompts/prompt-selection.js';
import { isLastTemplate, promptedSamples } from '../prompts/prompted-samples.js';
import type { Recipe } from '../train/recipes.js';
import { datasetName, itemRows } from './finetune-run.js';
import { recordRun, type ResultsStore } from './results/index.js';

/** The attributes the paper perturbs, in its order. */
export const ROBUSTNESS_ATTRIBUTES = ['class', 'shape', 'color', 'size', 'number', 'location'] as const;

export interface RobustnessOptions {
  model: SegmentationModel;
  /** How the model was named on the command line (kept in the runs' config). */
  modelSpec: string;
  /** Dataset root (reference layout) whose test split is perturbed. */
  data: string;
  attributes: readonly string[];
  modes: readonly PerturbMode[];
  /** The prompt type perturbed (default p6: every attribute of the paper's list appears in it). */
  prompt?: string;
  recipe: Recipe;
  /** Seed of the replacement words (default the recipe's seed). */
  seed?: number;
  /** Masks go under `<outDir>/masks/<variant>/<dataset>/<prompt>/`. */
  outDir: string;
  store: ResultsStore;
  suite?: string;
  progress?: boolean;
  /** Runs the same pass as the CLI's `vlsm eval` (the model's family name as the run's model). */
  modelName?: string;
}

export interface RobustnessRow {
  attribute: string;
  mode: PerturbMode;
  runId: number;
  /** Test items whose prompt holds the attribute (the others are not scored for this variant). */
  perturbed: number;
  skipped: number;
  change: PairedChange;
}

export interface RobustnessOutcome {
  dataset: string;
  prompt: string;
  baselineRunId: number;
  baselineItems: number;
  rows: RobustnessRow[];
}

/** Checks --attributes and --modes against what the dataset's test prompts hold; clear errors otherwise. */
export function checkRobustnessRequest(attributes: readonly string[], modes: readonly string[], available: readonly string[], file: string): void {
  if (attributes.length === 0) throw new ConfigError('robustness: no attribute given; --attributes takes a comma-separated list, e.g. class,shape,color', undefined, '--attributes');
  if (modes.length === 0) throw new ConfigError(`robustness: no mode given; --modes takes ${PERTURB_MODES.join(', ')}`, undefined, '--modes');
  for (const m of modes) {
    if (!(PERTURB_MODES as readonly string[]).includes(m)) throw new ConfigError(`robustness: unknown mode "${m}"; modes: ${PERTURB_MODES.join(', ')}`, undefined, '--modes');
  }
  for (const a of attributes) {
    if (!available.includes(a)) throw new ConfigError(`robustness: unknown attribute "${a}" for ${file}; its entries have ${available.join(', ') || 'no attributes (generate the prompts with "vlsm prompts generate")'}`, file, '--attributes');
  }
}

const masksDirOf = (outDir: string, variant: string): string => join(outDir, 'masks', variant);

/** Runs the baseline and every attribute × mode perturbation, storing each as a run. */
export async function runRobustness(o: RobustnessOptions): Promise<RobustnessOutcome> {
  const root = resolve(o.data);
  const promptType = parsePromptType(o.prompt ?? 'p6');
  const seed = o.seed ?? o.recipe.seed;
  const dataset = datasetName({ root });
  const reference = await readReferenceDataset(root);
  const file = join(root, 'anns', 'test.json');
  const entries = reference.splits.get('test');
  if (entries === undefined || entries.length === 0) throw new DatasetError(`${file}: no test entries to perturb`, file);
  const available = [...new Set(entries.flatMap((e) => Object.keys((e['attributes'] as RenderedAttributes | undefined) ?? {})))].sort();
  checkRobustnessRequest(o.attributes, o.modes, available, file);
  const records = entries.map((entry, i) => entryToRecord(root, entry, 'test', `${file}, entry ${i}`, file));
  const selection = { promptType, seed: o.recipe.seed, epoch: 0, randomIncludesP0: o.recipe.random_includes_p0, templates: o.recipe.test_templates };
  const common = { model: o.modelSpec, data: root, prompt: promptType, threshold: o.recipe.threshold, resampling: o.recipe.eval_resample, templates: o.recipe.test_templates, seed };
  const study = { suite: o.suite ?? null, family: o.model.family, testedOn: [dataset], promptType, model: o.modelName ?? o.model.family };

  const score = async (list: readonly { entry: AnnotationEntry; record: DatasetRecord }[], variant: string, label: string): Promise<EvaluatedItem[]> => {
    const samples = promptedSamples(list.map((x) => x.record), list.map((x) => x.entry), selection, file);
    const scored = await evaluate(o.model, samples, {
      threshold: o.recipe.threshold, resample: o.recipe.eval_resample, batchSize: Math.min(o.recipe.batch_size, 16),
      masksDir: join(masksDirOf(o.outDir, variant), dataset, promptType), progress: o.progress, label,
    });
    return o.recipe.test_templates === 'all' ? scored.filter(isLastTemplate) : scored;
  };
  const store = (items: EvaluatedItem[], runId: number): void => {
    const summary = (values: number[]) => summarize(values.map((v) => v * 100));
    o.store.addItemMetrics(runId, itemRows([{ dataset, promptType, templates: o.recipe.test_templates, items, dice: summary(items.map((i) => i.dice)), iou: summary(items.map((i) => i.iou)) }]));
  };

  let baselineItems: EvaluatedItem[] = [];
  const baselineRunId = await recordRun(o.store, { kind: 'eval', config: { ...common, masksDir: masksDirOf(o.outDir, 'baseline'), robustness: 'baseline' }, ...study }, async (runId) => {
    baselineItems = await score(entries.map((entry, i) => ({ entry, record: records[i]! })), 'baseline', `robustness ${dataset} baseline`);
    store(baselineItems, runId);
    return runId;
  });
  const baselineDice = new Map(baselineItems.map((it) => [it.id, it.dice]));

  const rows: RobustnessRow[] = [];
  for (const attribute of o.attributes) {
    const values = datasetAttributeValues(reference.splits.size > 0 ? [...reference.splits.values()].flat() : entries, attribute);
    for (const mode of o.modes) {
      const perturbed: { entry: AnnotationEntry; record: DatasetRecord }[] = [];
      for (const [i, entry] of entries.entries()) {
        const attributes = (entry['attributes'] as RenderedAttributes | undefined) ?? {};
        const value = entry.prompts?.[promptType];
        if (value === undefined || !attributes[attribute]) continue;
        try {
          const one = (text: string, k: number): string => perturbPrompt(text, attributes, attribute, mode, `${seed}/${entry.mask_name}/${k}`, values).prompt;
          perturbed.push({ entry: { ...entry, prompts: { ...entry.prompts, [promptType]: typeof value === 'string' ? one(value, 0) : value.map(one) } }, record: records[i]! });
        } catch (error) {
          // A prompt without the value (an empty size, "no polyp") cannot be perturbed: not scored.
          if (!(error instanceof VlsmError) || !/does not contain|has no value/.test(error.message)) throw error;
        }
      }
      if (perturbed.length === 0) throw new ConfigError(`robustness: no test prompt ${promptType} of ${file} contains a value of "${attribute}" to replace`, file, '--attributes');
      const variant = `${attribute}-${mode}`;
      let items: EvaluatedItem[] = [];
      const runId = await recordRun(o.store, {
        kind: 'eval', config: { ...common, masksDir: masksDirOf(o.outDir, variant), baselineRunId, robustness: variant }, ...study, perturbation: { attribute, mode },
      }, async (id) => {
        items = await score(perturbed, variant, `robustness ${dataset} ${variant}`);
        store(items, id);
        return id;
      });
      const change = pairedChange(baselineDice, new Map(items.map((it) => [it.id, it.dice])), { seed });
      rows.push({ attribute, mode, runId, perturbed: perturbed.length, skipped: entries.length - perturbed.length, change });
    }
  }
  return { dataset, prompt: promptType, baselineRunId, baselineItems: baselineItems.length, rows };
}
