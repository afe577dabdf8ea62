// A fine-tuning run from its config: build or load the model, gather the prompted samples of every
// dataset, train, then evaluate the best checkpoint on each test set and write the per-image
// metrics and a summary next to the checkpoints. The recipe's prompt conventions (docs/training.md §2.3)
// apply to every split: `random_includes_p0`; validation's `val_templates`; the test's
// `test_templates`, where 'all' scores every template and reports the last one's (the fork).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { isTestOnlyDataset } from '../data/test-only.js';
import { ConfigError, DatasetError } from '../errors.js';
import { summarize, type Summary } from '../eval/aggregate.js';
import { evaluate, type EvaluatedItem } from '../eval/evaluate.js';
import { writePerImageCsv } from '../eval/per-image-csv.js';
import * as torch from '../torch/index.js';
import { load } from '../models/load.js';
import { choosePrecision, parsePrecision } from '../models/precision.js';
import { placeModel, resolveDevice } from '../models/placement.js';
import { familyNamed, loadFolder } from '../models/registry.js';
import type { SegmentationModel } from '../models/types.js';
import { parsePromptType, type PromptType, type TemplateChoice } from '../prompts/prompt-selection.js';
import { isLastTemplate, readPromptedFile, readPromptedSplit, type PromptedSample } from '../prompts/prompted-samples.js';
import { disposeCheckpoint, hasCheckpoint, loadCheckpoint } from '../train/checkpoint.js';
import { runPath } from '../train/run-folder.js';
import type { Recipe } from '../train/recipes.js';
import { finetune, type FinetuneResult } from '../train/trainer.js';
import { openResults, recordRun, ResultsStore, type ItemMetricRow, type RunStart, type StudyFields } from './results/index.js';
import type { RunConfig } from './run-config.js';
import { runRecipe, savedRun, savedRunFile } from './run-recipe.js';
import { familyOfModelSpec, studyOfRunConfig } from './run-study.js';

export interface DatasetResult {
  dataset: string;
  promptType: string;
  /** How list prompts chose their template (the recipe's test_templates). */
  templates: TemplateChoice;
  /** The reported scores: with templates 'all', those of each item's last template (the fork). */
  dice: Summary;
  iou: Summary;
  /** The reported items, one per test item. */
  items: EvaluatedItem[];
  /**
   * With templates 'all': the scores of template k (0-based) over the items whose prompt has a
   * template k (a string prompt has only template 0), so counts can differ between templates.
   */
  perTemplate?: TemplateResult[];
}

export interface TemplateResult {
  template: number;
  dice: Summary;
  iou: Summary;
  items: EvaluatedItem[];
}

/** The model a run config names; fresh weights are seeded by the seed of the run's recipe (or `seed`). */
export async function buildModel(config: RunConfig, seed?: number): Promise<SegmentationModel> {
  const spec = config.model;
  if (typeof spec === 'string') return load(spec);
  if ('path' in spec) return loadFolder(spec.path, { family: spec.family });
  const family = familyNamed(spec.family);
  if (!family.scratch) throw new ConfigError(`model family '${spec.family}' cannot be built from scratch; give a checkpoint`, undefined, 'model.family');
  torch.manualSeed(seed ?? runRecipe(config, spec.family).seed);
  return family.scratch(spec.scratch, spec.input_size);
}

/** A finetune run folder's model with its best weights, and the recipe it trained with. */
export async function loadRunModel(runDir: string): Promise<{ model: SegmentationModel; recipe: Recipe }> {
  const { config, recipe } = savedRun(runDir);
  const model = await buildModel(config, recipe.seed);
  try {
    const checkpoints = runPath(runDir, 'checkpoints folder', 'checkpoints');
    const best = loadCheckpoint(checkpoints, 'best');
    try {
      model.module.loadStateDict(best.weights, { strict: false, file: join(checkpoints, 'best.json') });
    } finally {
      disposeCheckpoint(best);
    }
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, recipe };
}

export const datasetName = (d: { root: string; name?: string }): string => d.name ?? basename(resolve(d.root));

/**
 * Samples of one split across datasets (pooled training concatenates them), with the recipe's
 * prompt conventions: training draws a template, validation takes `val_templates`.
 */
export async function splitSamples(datasets: readonly { root: string }[], split: 'train' | 'val', promptType: PromptType, recipe: Recipe, epoch: number): Promise<PromptedSample[]> {
  const templates = split === 'val' ? recipe.val_templates : 'random';
  const parts = await Promise.all(datasets.map((d) => readPromptedSplit(d.root, split, { promptType, seed: recipe.seed, epoch, randomIncludesP0: recipe.random_includes_p0, templates })));
  return parts.flat();
}

export interface RunOutcome {
  /** Row id in the results database. */
  runId: number | undefined;
  outDir: string;
  recipe: Recipe;
  training: FinetuneResult;
  tests: DatasetResult[];
}

/**
 * Evaluates `model` on the test split of each dataset with the recipe's `test_templates` and
 * `random_includes_p0`; writes per-image CSVs under `outDir/test` (`<dataset>-<prompt>.csv`, the
 * reported items; with templates 'all' also `<dataset>-<prompt>-t<k>.csv` per template, 1-based).
 */
export async function testDatasets(model: SegmentationModel, datasets: readonly { root: string; name?: string; anns?: string }[], promptType: PromptType, recipe: Recipe, outDir: string, writeMasks: boolean, progress: boolean): Promise<DatasetResult[]> {
  const results: DatasetResult[] = [];
  const templates = recipe.test_templates;
  for (const d of datasets) {
    const name = datasetName(d);
    const samples = await testSamples(d, promptType, recipe);
    const scored = await evaluate(model, samples, {
      threshold: recipe.threshold,
      resample: recipe.eval_resample,
      batchSize: Math.min(recipe.batch_size, 16),
      masksDir: writeMasks ? join(outDir, 'masks', name, promptType) : undefined,
      progress,
      label: `test ${name} ${promptType}`,
    });
    // Every test item once: with templates 'all' its last template (the fork's saved prediction).
    const items = templates === 'all' ? scored.filter(isLastTemplate) : scored;
    const perTemplate = templates === 'all' ? byTemplate(scored) : undefined;
    // The reference's per-image columns (×100), plus the pixel counts.
    const csv = (file: string, rows: EvaluatedItem[]): void => writePerImageCsv(join(outDir, 'test', file), rows.map((it) => ({ filename: it.id, metrics: it })), { counts: true });
    csv(`${name}-${promptType}.csv`, items);
    for (const t of perTemplate ?? []) csv(`${name}-${promptType}-t${t.template + 1}.csv`, t.items);
    results.push({ dataset: name, promptType, templates, ...scores(items), items, ...(perTemplate ? { perTemplate } : {}) });
  }
  return results;
}

/**
/**
 * The prompted samples of a dataset's test split (of every split for a test-only set such as ETIS),
 * or of `anns` (an alternative annotation file for the same images) when given; an empty split is
 * an error, not a score of nothing.
 */
async function testSamples(d: { root: string; name?: string; anns?: string }, promptType: PromptType, recipe: Recipe): Promise<PromptedSample[]> {
  const options = { promptType, seed: recipe.seed, epoch: 0, randomIncludesP0: recipe.random_includes_p0, templates: recipe.test_templates };
  if (d.anns !== undefined) {
    const samples = await readPromptedFile(d.root, d.anns, 'test', options);
    if (samples.length === 0) throw new DatasetError(`${d.root}: the test split has no items (${d.anns} lists none); nothing to evaluate`, d.anns);
    return samples;
  }
  const samples = await readPromptedSplit(d.root, 'test', options);
  if (isTestOnlyDataset(datasetName(d))) {
    for (const split of ['train', 'val'] as const) {
      if (existsSync(join(d.root, 'anns', `${split}.json`))) samples.push(...(await readPromptedSplit(d.root, split, options)));
    }
  }
  if (samples.length === 0) {
    const file = d.anns ?? join(d.root, 'anns', 'test.json');
    throw new DatasetError(`${d.root}: the test split has no items (${file} lists none); nothing to evaluate`, file);
  }
  return samples;
}

const scores = (items: readonly EvaluatedItem[]): { dice: Summary; iou: Summary } => ({ dice: summarize(items.map((i) => i.dice * 100)), iou: summarize(items.map((i) => i.iou * 100)) });

/** Items grouped by template index, in index order. */
function byTemplate(items: readonly EvaluatedItem[]): TemplateResult[] {
  const groups = new Map<number, EvaluatedItem[]>();
  for (const it of items) {
    const k = it.template ?? 0;
    const group = groups.get(k);
    if (group) group.push(it);
    else groups.set(k, [it]);
  }
  return [...groups.keys()].sort((a, b) => a - b).map((template) => ({ template, ...scores(groups.get(template)!), items: groups.get(template)! }));
}

/** The results-database prompt label of template k (0-based) of a prompt type: "P6/t1" for k = 0. */
export const templatePromptLabel = (promptType: string, template: number): string => `${promptType.toUpperCase()}/t${template + 1}`;

/**
 * The per-item rows the results database keeps for a test: the reported items under the prompt
 * type ("P6"); with templates 'all' also every template's items under "P6/t1", "P6/t2", … (1-based),
 * which paper comparisons, matching prompt names exactly, leave out.
 */
export function itemRows(results: readonly DatasetResult[], split = 'test'): ItemMetricRow[] {
  return results.flatMap((r) => [
    ...rowsOf(r.dataset, split, r.promptType.toUpperCase(), r.items),
    ...(r.perTemplate ?? []).flatMap((t) => rowsOf(r.dataset, split, templatePromptLabel(r.promptType, t.template), t.items)),
  ]);
}

function rowsOf(dataset: string, split: string, prompt: string, items: readonly EvaluatedItem[]): ItemMetricRow[] {
  return items.flatMap((it) => [
    { dataset, split, prompt, imageId: it.id, resolution: 'original' as const, dice: it.dice, iou: it.iou, onesDiceDiff: it.onesDiceDiff, zerosDiceDiff: it.zerosDiceDiff, gtPixels: it.gt, predPixels: it.pred, intersection: it.intersection, pixels: it.pixels, promptText: it.text },
    { dataset, split, prompt, imageId: it.id, resolution: 'model' as const, dice: it.diceModelRes, iou: Number.NaN },
  ]);
}

/**
 * Runs `body` as a recorded run of the results database at `path`, or of an open store (the results
 * store's recordRun: done, failed, or killed by a signal); `false` records nothing. A body that
 * reports itself interrupted leaves the run marked 'killed', so a later `--resume` is visible as such.
 */
export async function withResults<T>(path: string | false | ResultsStore, start: RunStart, body: (store: ResultsStore | undefined, runId: number | undefined) => Promise<T & { interrupted?: boolean }>, o: { signals?: boolean } = {}): Promise<T & { runId: number | undefined }> {
  if (path === false) return { ...(await body(undefined, undefined)), runId: undefined };
  const given = path instanceof ResultsStore;
  const store = given ? path : openResults(path);
  try {
    let id: number | undefined;
    const result = await recordRun(store, { ...start, machine: { libtorchVersion: torch.version() } }, async (runId) => {
      id = runId;
      return body(store, runId);
    }, o);
    if (result.interrupted) store.finishRun(id!, { status: 'killed', error: 'stopped before the end of training; resume with --resume' });
    return { ...result, runId: id };
  } finally {
    if (!given) store.close();
  }
}

export interface FinetuneRunOptions {
  resume?: boolean;
  progress?: boolean;
  log?: (line: string) => void;
  stopAfterSteps?: number;
  /** Aborting stops training at the next step with a 'last' checkpoint, as a kill would. */
  signal?: AbortSignal;
  /** A database path, an open store, or false (default: the config's `results`). */
  results?: string | false | ResultsStore;
  /** Study fields beyond those the config tells (suite, runHash …). */
  study?: StudyFields;
  /** false: no SIGINT/SIGTERM handlers (the caller stops the run through `signal`). */
  signals?: boolean;
}

/**
 * Trains per `config` (resuming when asked and possible), then tests the best checkpoint. The run
 * is stored under its model family's name (a Hub id or folder maps to its family), so tables match
 * it to the paper's rows.
 */
export async function runFinetune(config: RunConfig, o: FinetuneRunOptions = {}): Promise<RunOutcome> {
  const results = o.results ?? config.results;
  const family = await familyOfModelSpec(config.model);
  const study = { ...studyOfRunConfig(config, family), ...(config.precision ? { precision: config.precision } : {}), ...o.study };
  const model = family ?? (typeof config.model === 'string' ? config.model : 'path' in config.model ? config.model.path : config.model.family);
  return withResults(results, { kind: 'finetune', config, name: config.name ?? null, model, ...study }, async (store, runId) => {
    const outcome = await trainAndTest(config, o, (entry) => {
      if (store && runId !== undefined) store.logEpoch(runId, { epoch: entry.epoch, trainLoss: entry.trainLoss, valLoss: entry.valLoss, valDice: entry.valDice, lr: entry.lr, seconds: entry.seconds });
    });
    if (store && runId !== undefined) store.addItemMetrics(runId, itemRows(outcome.tests));
    return { ...outcome, interrupted: outcome.training.status === 'interrupted' };
  }, { signals: o.signals });
}

async function trainAndTest(config: RunConfig, o: FinetuneRunOptions, onEpoch: (entry: FinetuneResult['state']['history'][number]) => void): Promise<Omit<RunOutcome, 'runId'>> {
  const log = o.log ?? ((line: string) => console.log(line));
  const promptType = parsePromptType(config.prompt);
  const model = await buildModel(config);
  const recipe = runRecipe(config, model.family);
  try {
    const device = resolveDevice(config.device, 'device');
    const explicit = config.precision ?? (config.train.precision === undefined ? undefined : parsePrecision(config.train.precision, 'train.precision'));
    const { precision, note } = choosePrecision({ explicit, where: 'precision', recipe: recipe.precision, device });
    if (note) log(`note: ${note}`);
    placeModel(model, { device, precision });
  } catch (error) {
    model.dispose();
    throw error;
  }
  const outDir = config.out;
  mkdirSync(outDir, { recursive: true });
  writeFileSync(savedRunFile(outDir), JSON.stringify({ config, recipe }, null, 2));
  // An empty test split would make the whole run's result meaningless: found before training.
  for (const d of [...config.data, ...config.test_data]) await testSamples(d, promptType, recipe);
  const valSamples = await splitSamples(config.data, 'val', promptType, recipe, 0);
  log(`finetune ${model.family} on ${config.data.map(datasetName).join(' + ')} with prompt ${promptType}: ${model.module.numParameters({ trainableOnly: false }).toLocaleString('en')} parameters, recipe ${config.recipe}, ${model.device}, ${model.precision}`);
  const training = await finetune({
    model,
    recipe,
    trainSamples: (epoch) => splitSamples(config.data, 'train', promptType, recipe, epoch),
    valSamples,
    outDir,
    config,
    resume: o.resume,
    precision: model.precision,
    cache: { memoryBudget: config.cache.memory_gb * 1024 ** 3, diskDir: config.cache.disk ? config.cache.dir ?? runPath(outDir, 'feature cache', 'feature-cache') : undefined, dtype: config.cache.dtype },
    checkpointEvery: config.checkpoint_every,
    stopAfterSteps: o.stopAfterSteps,
    signal: o.signal,
    progress: o.progress,
    log,
    onEpoch,
  });
  if (training.status === 'interrupted') {
    model.dispose();
    return { outDir, recipe, training, tests: [] };
  }
  const checkpoints = runPath(outDir, 'checkpoints folder', 'checkpoints');
  if (hasCheckpoint(checkpoints, 'best')) {
    const best = loadCheckpoint(checkpoints, 'best');
    try {
      model.module.loadStateDict(best.weights, { strict: false });
    } finally {
      disposeCheckpoint(best);
    }
  }
  runPath(outDir, 'per-image results', 'test');
  if (config.write_masks) runPath(outDir, 'predicted masks', 'masks');
  const tests = await testDatasets(model, [...config.data, ...config.test_data], promptType, recipe, outDir, config.write_masks, Boolean(o.progress));
  writeFileSync(runPath(outDir, 'summary', 'summary.json'), JSON.stringify({ status: training.status, bestEpoch: training.state.bestEpoch, bestValDice: training.bestDice, tests: tests.map(({ items, perTemplate, ...rest }) => ({ ...rest, ...(perTemplate ? { perTemplate: perTemplate.map(({ items: _, ...t }) => t) } : {}) })) }, null, 2));
  model.dispose();
  return { outDir, recipe, training, tests };
}
