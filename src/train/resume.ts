// Resuming a run: the last checkpoint is checked against this run's model and optimizer before
// anything is restored (parameter groups, which parameters have state, the shape and dtype of
// every state tensor, the RNG state), so a damaged or foreign checkpoint fails with its file and
// field named instead of at the first step with a raw broadcast error.
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';
import * as torch from '../torch/index.js';
import type { Optimizer, OptimizerStateDict } from '../torch/optim/optimizer.js';
import { checkpointFolder, loadCheckpointFolder, type TrainerState } from './checkpoint.js';

type Tensor = torch.Tensor;

/** Throws a CheckpointError naming the file and field unless `saved` fits `optimizer`'s parameters. */
export function checkOptimizerState(saved: OptimizerStateDict, optimizer: Optimizer, names: ReadonlyMap<Tensor, string>, folder: string): void {
  const stateFile = join(folder, 'state.json');
  const tensorFile = join(folder, 'optimizer.safetensors');
  const groups = optimizer.paramGroups;
  if (saved.param_groups.length !== groups.length) {
    throw new CheckpointError(`${stateFile}: field 'optimizer.param_groups' has ${saved.param_groups.length} parameter groups, this run's optimizer has ${groups.length} (did the recipe's lr_groups or frozen modules change since the checkpoint?)`, stateFile, 'optimizer.param_groups');
  }
  const byIndex = new Map<string, Tensor>();
  saved.param_groups.forEach((group, g) => {
    const params = groups[g]!.params;
    if (group.params.length !== params.length) {
      throw new CheckpointError(`${stateFile}: field 'optimizer.param_groups.${g}.params' lists ${group.params.length} parameters, this run's group ${g} has ${params.length} (a different model or recipe?)`, stateFile, `optimizer.param_groups.${g}.params`);
    }
    group.params.forEach((index, i) => {
      if (byIndex.has(String(index))) throw new CheckpointError(`${stateFile}: field 'optimizer.param_groups.${g}.params' lists parameter ${index} twice`, stateFile, `optimizer.param_groups.${g}.params`);
      byIndex.set(String(index), params[i]!);
    });
  });
  for (const [index, fields] of Object.entries(saved.state)) {
    const p = byIndex.get(index);
    if (!p) throw new CheckpointError(`${stateFile}: field 'optimizer.state.${index}' is state for parameter ${index}, which no parameter group lists`, stateFile, `optimizer.state.${index}`);
    const name = names.get(p) ?? `#${index}`;
    for (const [field, value] of Object.entries(fields)) {
      if (!torch.isTensor(value)) continue; // numbers and nulls were checked by state.json's schema
      const key = `state/${index}/${field}`;
      if (field === 'step') {
        if (value.numel() !== 1) throw new CheckpointError(`${tensorFile}: tensor '${key}' (the step count of ${name}) has shape [${value.shape.join(', ')}], expected one number`, tensorFile, key);
        continue;
      }
      const sameShape = value.shape.length === p.shape.length && value.shape.every((d, i) => d === p.shape[i]);
      if (!sameShape || value.dtype !== p.dtype) {
        throw new CheckpointError(
          `${tensorFile}: tensor '${key}' (optimizer state '${field}' of parameter ${name}) is ${value.dtype} [${value.shape.join(', ')}], the parameter is ${p.dtype} [${p.shape.join(', ')}]; the checkpoint does not fit this model`,
          tensorFile,
          key,
        );
      }
    }
  }
}

/** What a resumed run restores into. */
export interface ResumeTarget {
  module: torch.nn.Module;
  optimizer: Optimizer;
  scheduler: { loadStateDict(state: unknown): void };
}

/** Runs `restore`, turning any error other than vlsm's own into a CheckpointError naming `file` and `field`. */
function naming<T>(file: string, field: string, restore: () => T): T {
  try {
    return restore();
  } catch (cause) {
    if (cause instanceof CheckpointError) throw cause;
    const message = (cause as Error).message;
    throw new CheckpointError(`${file}: field '${field}' cannot be restored: ${message}`, file, field, { cause });
  }
}

/**
 * Restores checkpoint 'last' under `checkpoints` into the target (weights, optimizer, scheduler,
 * RNG) after checking it; returns where the run stands. Loaded tensors are freed.
 */
export function resumeRun(checkpoints: string, target: ResumeTarget): TrainerState {
  const folder = checkpointFolder(checkpoints, 'last');
  const saved = loadCheckpointFolder(folder);
  const stateFile = join(folder, 'state.json');
  const tensorFile = join(folder, 'optimizer.safetensors');
  const loaded = new Set([...saved.weights.values(), saved.rngState, ...Object.values(saved.optimizer.state).flatMap((s) => Object.values(s).filter(torch.isTensor))]);
  try {
    const names = new Map(target.module.namedParameters().map(([n, p]) => [p, n] as const));
    checkOptimizerState(saved.optimizer, target.optimizer, names, folder);
    const current = torch.getRngState();
    const rngFits = saved.rngState.dtype === 'uint8' && saved.rngState.shape.join() === current.shape.join();
    const rngShape = current.shape.join(', ');
    current.dispose();
    if (!rngFits) throw new CheckpointError(`${tensorFile}: tensor 'rng_state' is ${saved.rngState.dtype} [${saved.rngState.shape.join(', ')}], the generator's state is uint8 [${rngShape}]`, tensorFile, 'rng_state');
    target.module.loadStateDict(saved.weights, { strict: false, file: join(folder, 'weights.safetensors') });
    naming(stateFile, 'optimizer', () => target.optimizer.loadStateDict(saved.optimizer));
    naming(stateFile, 'scheduler', () => target.scheduler.loadStateDict(saved.scheduler));
    naming(tensorFile, 'rng_state', () => torch.setRngState(saved.rngState));
    return saved.trainer;
  } finally {
    torch.dispose([...loaded]);
  }
}
