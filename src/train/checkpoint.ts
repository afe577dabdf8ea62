// Training checkpoints, written so that a kill at any moment loses nothing already written:
// each checkpoint is a fresh folder (weights.safetensors, optimizer.safetensors, state.json),
// and `<name>.json` — written to a temp file and renamed — points at the complete one. A
// half-written folder is never pointed at, and the previous one is removed only afterwards, and
// only when its pointer passes checkpoint-pointer.ts's checks (a planted pointer deletes nothing).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFileAtomic } from '../atomic-write.js';
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';
import * as torch from '../torch/index.js';
import type { OptimizerStateDict } from '../torch/optim/optimizer.js';
import { checkCheckpointName, checkpointFolderName, ownedCheckpointFolder, readCheckpointPointer } from './checkpoint-pointer.js';
import { parseSavedState } from './checkpoint-state.js';

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
  /** The float16 gradient scaler's state (fp16 runs only), to resume with the same loss scale. */
  gradScaler?: torch.amp.GradScalerStateDict;
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
  checkCheckpointName(name);
  mkdirSync(dir, { recursive: true });
  const pointer = join(dir, `${name}.json`);
  const previous = ownedCheckpointFolder(dir, name);
  const folder = checkpointFolderName(name, contents.trainer.epoch, contents.trainer.globalStep);
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
  if (previous !== undefined && previous !== path) rmSync(previous, { recursive: true, force: true });
  return path;
}

/** True when `dir` has a complete checkpoint `name`. */
export const hasCheckpoint = (dir: string, name: string): boolean => existsSync(join(dir, `${name}.json`));

/** The folder checkpoint `name` points at, after checking the pointer (checkpoint-pointer.ts). */
export const checkpointFolder = (dir: string, name: string): string => readCheckpointPointer(dir, name);

/** Reads checkpoint `name` back. Tensors belong to the caller. */
export const loadCheckpoint = (dir: string, name: string): CheckpointContents => loadCheckpointFolder(checkpointFolder(dir, name));

/** Reads the checkpoint in folder `path` (from checkpointFolder); state.json is checked first. */
export function loadCheckpointFolder(path: string): CheckpointContents {
  const saved = parseSavedState(readFileSync(join(path, 'state.json'), 'utf8'), join(path, 'state.json'));
  const weights = torch.io.loadSafetensors(join(path, 'weights.safetensors'));
  const tensors = torch.io.loadSafetensors(join(path, 'optimizer.safetensors'));
  try {
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
    // JSON keeps NaN and ±Infinity metrics as null.
    return { weights, optimizer: { state, param_groups: saved.optimizer.param_groups }, scheduler: saved.scheduler, rngState, trainer: saved.trainer as TrainerState, config: saved.config };
  } catch (error) {
    torch.dispose([...weights.values()], [...tensors.values()]);
    throw error;
  }
}

/** Frees every tensor a loaded checkpoint holds. */
export function disposeCheckpoint(contents: CheckpointContents): void {
  const optimizerTensors = Object.values(contents.optimizer.state).flatMap((fields) => Object.values(fields).filter(torch.isTensor));
  torch.dispose([...new Set([...contents.weights.values(), contents.rngState, ...optimizerTensors])]);
}
