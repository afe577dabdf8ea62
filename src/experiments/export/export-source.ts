// What `vlsm export` reads: a finetune run folder (its saved config, the base model it names and
// the 'best' or 'last' checkpoint's weights) or a model folder any family loads.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CheckpointError, ConfigError } from '../../errors.js';
import { resolveModel } from '../../hub/index.js';
import { loadFolder } from '../../models/registry.js';
import type { SegmentationModel } from '../../models/types.js';
import { disposeCheckpoint, hasCheckpoint, loadCheckpoint } from '../../train/checkpoint.js';
import type { Recipe } from '../../train/recipes.js';
import { runPath } from '../../train/run-folder.js';
import { buildModel } from '../finetune-run.js';
import type { RunConfig } from '../run-config.js';
import { savedRun } from '../run-recipe.js';

export type CheckpointChoice = 'best' | 'last';

export interface RunSource {
  dir: string;
  config: RunConfig;
  recipe: Recipe;
  checkpoint: CheckpointChoice;
  /** The epoch the checkpoint was saved at, when its pointer says. */
  epoch: number | undefined;
}

export interface ExportSource {
  model: SegmentationModel;
  /** The folder whose tokenizer and library files travel with the export, when known. */
  sourceFolder: string | undefined;
  /** What the model started from: a Hub id, a folder, or 'scratch' (random weights). */
  baseModel: string;
  run?: RunSource;
}

/** A finetune run folder: vlsm's saved `{config, recipe}` config.json (checkpoints/ may not exist yet). */
export function isRunFolder(dir: string): boolean {
  try {
    const json = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    return typeof json === 'object' && json !== null && 'config' in json && 'recipe' in json;
  } catch {
    return false;
  }
}

/** The folder a run's base model was loaded from: a path, or a Hub id's cached snapshot (offline). */
async function baseFolder(config: RunConfig): Promise<{ folder: string | undefined; base: string }> {
  const spec = config.model;
  if (typeof spec !== 'string') return 'path' in spec ? { folder: spec.path, base: spec.path } : { folder: undefined, base: 'scratch' };
  if (existsSync(spec) && statSync(spec).isDirectory()) return { folder: spec, base: spec };
  try {
    return { folder: (await resolveModel(spec, { offline: true, required: ['config.json'] })).dir, base: spec };
  } catch {
    return { folder: undefined, base: spec };
  }
}

function checkpointEpoch(checkpoints: string, name: CheckpointChoice): number | undefined {
  try {
    const pointer = JSON.parse(readFileSync(join(checkpoints, `${name}.json`), 'utf8')) as { epoch?: unknown };
    return typeof pointer.epoch === 'number' ? pointer.epoch : undefined;
  } catch {
    return undefined;
  }
}

/** Loads what `path` holds (a run folder with its `checkpoint`, or a model folder) for export. */
export async function openExportSource(path: string, checkpoint: CheckpointChoice = 'best'): Promise<ExportSource> {
  if (!existsSync(path) || !statSync(path).isDirectory()) throw new ConfigError(`${path}: not a folder; export takes a finetune run folder or a model folder`, path);
  if (!isRunFolder(path)) {
    if (existsSync(join(path, 'checkpoints'))) {
      throw new CheckpointError(`${path}: has checkpoints/ but no run config.json ({config, recipe}); is it a vlsm finetune run folder?`, path);
    }
    return { model: await loadFolder(path), sourceFolder: path, baseModel: path };
  }
  const { config, recipe } = savedRun(path);
  const checkpoints = runPath(path, 'checkpoints folder', 'checkpoints');
  if (!hasCheckpoint(checkpoints, checkpoint)) {
    const other: CheckpointChoice = checkpoint === 'best' ? 'last' : 'best';
    const hint = hasCheckpoint(checkpoints, other) ? `; it has '${other}' (--checkpoint ${other})` : '; the run has not finished an epoch';
    throw new CheckpointError(`${path}: no finished '${checkpoint}' checkpoint (${join(checkpoints, `${checkpoint}.json`)} is missing)${hint}`, join(checkpoints, `${checkpoint}.json`));
  }
  const saved = loadCheckpoint(checkpoints, checkpoint);
  const { folder, base } = await baseFolder(config);
  let model: SegmentationModel | undefined;
  try {
    model = await buildModel(config, recipe.seed);
    model.module.loadStateDict(saved.weights, { strict: false, file: join(checkpoints, `${checkpoint}.json`) });
  } catch (error) {
    model?.dispose();
    throw error;
  } finally {
    disposeCheckpoint(saved);
  }
  model.module.eval();
  return { model, sourceFolder: folder, baseModel: base, run: { dir: resolve(path), config, recipe, checkpoint, epoch: checkpointEpoch(checkpoints, checkpoint) } };
}
