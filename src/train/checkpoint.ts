// Training checkpoints, written so that a kill at any moment loses nothing already written:
// each checkpoint is a fresh folder (weights.safetensors, optimizer.safetensors, state.json),
// and `<name>.json` — written to a temp file and renamed — points at the complete one. A
// half-written folder is never pointed at, and the previous one is removed only afterwards.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFileAtomic } from '../atomic-write.js';
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';
import * as torch from '../torch/index.js';
import type { OptimizerStateDict } from '../torch/optim/optimizer.js';

type Tensor = torch.Tensor;

/** Where a run stands: enough to continue exactly where it stopped. */
export interface TrainerState {
  epoch: number;
  /** Index of the next batch to run within `epoch` (0 at an epoch boundary). */
  nextBatch: number;
  globalStep: number;
  bestMetric: number | null;
  bestEpoch: number | null;
  badEpochs: number;
  stopped: boolean;
  history: { epoch: number; trainLoss: number; valLoss: number; valDice: number; lr: number; seconds: number }[];
}

export interface CheckpointContents {
  /** Module state (trainable parameters and every buffer, or everything). */
  weights: ReadonlyMap<string, Tensor>;
  optimizer: OptimizerStateDict;
  scheduler: unknown;
  rngState: Tensor;
  trainer: TrainerState;
  config: unknown;
}

/** Writes checkpoint `name` (e.g. 'last', 'best') under `dir`, atomically. */
export function saveCheckpoint(dir: string, name: string, contents: CheckpointContents): string {
  mkdirSync(dir, { recursive: true });
  const pointer = join(dir, `${name}.json`);
  const previous = existsSync(pointer) ? (JSON.parse(readFileSync(pointer, 'utf8')) as { folder: string }).folder : undefined;
  const folder = `${name}-e${contents.trainer.epoch}-s${contents.trainer.globalStep}-${Date.now()}`;
  const path = join(dir, folder);
  mkdirSync(path);
  torch.io.saveSafetensors(join(path, 'weights.safetensors'), new Map(contents.weights), { format: 'pt', producer: 'vlsm' });
  // Optimizer tensors go to safetensors under "state/<param>/<field>"; the rest to JSON.
  const tensors = new Map<string, Tensor>([['rng_state', contents.rngState]]);
  const state: Record<string, Record<string, number | null | { tensor: string }>> = {};
  for (const [index, fields] of Object.entries(contents.optimizer.state)) {
    state[index] = {};
    for (const [field, value] of Object.entries(fields)) {
      if (value !== null && typeof value === 'object') {
        const key = `state/${index}/${field}`;
        tensors.set(key, value);
        state[index]![field] = { tensor: key };
      } else {
        state[index]![field] = value;
      }
    }
  }
  torch.io.saveSafetensors(join(path, 'optimizer.safetensors'), tensors);
  writeFileSync(join(path, 'state.json'), JSON.stringify({ trainer: contents.trainer, optimizer: { state, param_groups: contents.optimizer.param_groups }, scheduler: contents.scheduler, config: contents.config }, null, 2));
  writeFileAtomic(pointer, JSON.stringify({ folder, epoch: contents.trainer.epoch, step: contents.trainer.globalStep, written: new Date().toISOString() }, null, 2));
  if (previous && previous !== folder) rmSync(join(dir, previous), { recursive: true, force: true });
  return path;
}

/** True when `dir` has a complete checkpoint `name`. */
export const hasCheckpoint = (dir: string, name: string): boolean => existsSync(join(dir, `${name}.json`));

/** The folder checkpoint `name` points at. */
export function checkpointFolder(dir: string, name: string): string {
  const pointer = join(dir, `${name}.json`);
  if (!existsSync(pointer)) throw new CheckpointError(`${pointer}: no such checkpoint; the run has not saved '${name}' yet`, pointer);
  let folder: string;
  try {
    folder = (JSON.parse(readFileSync(pointer, 'utf8')) as { folder: string }).folder;
  } catch (cause) {
    throw new CheckpointError(`${pointer}: corrupt checkpoint pointer (${(cause as Error).message})`, pointer, undefined, { cause });
  }
  const path = join(dir, folder ?? '');
  for (const file of ['weights.safetensors', 'optimizer.safetensors', 'state.json']) {
    if (!existsSync(join(path, file))) throw new CheckpointError(`${path}: checkpoint is missing ${file}`, path);
  }
  return path;
}

/** Reads checkpoint `name` back. Tensors belong to the caller. */
export function loadCheckpoint(dir: string, name: string): CheckpointContents {
  const path = checkpointFolder(dir, name);
  const weights = torch.io.loadSafetensors(join(path, 'weights.safetensors'));
  const tensors = torch.io.loadSafetensors(join(path, 'optimizer.safetensors'));
  let saved: { trainer: TrainerState; optimizer: { state: Record<string, Record<string, number | null | { tensor: string }>>; param_groups: OptimizerStateDict['param_groups'] }; scheduler: unknown; config: unknown };
  try {
    saved = JSON.parse(readFileSync(join(path, 'state.json'), 'utf8'));
  } catch (cause) {
    throw new CheckpointError(`${join(path, 'state.json')}: corrupt training state (${(cause as Error).message})`, path, undefined, { cause });
  }
  const state: OptimizerStateDict['state'] = {};
  for (const [index, fields] of Object.entries(saved.optimizer.state)) {
    state[index] = {};
    for (const [field, value] of Object.entries(fields)) {
      if (value !== null && typeof value === 'object') {
        const t = tensors.get(value.tensor);
        if (!t) throw new CheckpointError(`${path}/optimizer.safetensors: missing tensor '${value.tensor}'`, path, value.tensor);
        state[index]![field] = t;
      } else {
        state[index]![field] = value;
      }
    }
  }
  const rngState = tensors.get('rng_state');
  if (!rngState) throw new CheckpointError(`${path}/optimizer.safetensors: missing 'rng_state'`, path, 'rng_state');
  return { weights, optimizer: { state, param_groups: saved.optimizer.param_groups }, scheduler: saved.scheduler, rngState, trainer: saved.trainer, config: saved.config };
}
