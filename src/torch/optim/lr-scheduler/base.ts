// Base of the epoch-indexed learning-rate schedulers, as torch.optim.lr_scheduler's _LRScheduler
// in PyTorch 1.13, and the helpers the schedulers share.
import { OptimError, Optimizer } from '../optimizer.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOptimizer = Optimizer<any>;
type Groups = { lr: number; initialLr?: number }[];

/** A scheduler's state: JSON-able, PyTorch's field names. */
export type SchedulerStateDict = Record<string, unknown>;

export function checkOptimizer(optimizer: unknown): asserts optimizer is AnyOptimizer {
  if (!(optimizer instanceof Optimizer)) {
    const name = optimizer === null || typeof optimizer !== 'object' ? typeof optimizer : (optimizer as object).constructor.name;
    throw new OptimError(`${name} is not an Optimizer`);
  }
}

/** Index of the first element greater than x, in a sorted array (Python's bisect_right). */
export function bisectRight(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < sorted[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Base of the epoch-indexed schedulers (PyTorch's _LRScheduler). A subclass sets its fields, then
 * calls `init(lastEpoch)`, which records each group's `initialLr` and takes the first step.
 */
export abstract class LRScheduler {
  readonly optimizer: AnyOptimizer;
  /** Each group's initial lr. */
  baseLrs: number[] = [];
  /** Epochs stepped so far, -1 before the first. */
  lastEpoch = -1;
  protected stepCount = 0;
  protected lastLr: number[] = [];

  constructor(optimizer: AnyOptimizer) {
    checkOptimizer(optimizer);
    this.optimizer = optimizer;
  }

  protected get groups(): Groups {
    return this.optimizer.paramGroups as Groups;
  }

  protected init(lastEpoch: number): void {
    if (lastEpoch === -1) {
      for (const g of this.groups) g.initialLr ??= g.lr;
    } else {
      this.groups.forEach((g, i) => {
        if (g.initialLr === undefined) throw new OptimError(`param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`);
      });
    }
    this.baseLrs = this.groups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
    this.initialStep();
  }

  /** Resets the step count and takes the first step (used by SequentialLR). */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The chainable form: each group's next lr from its current one. */
  protected abstract getLr(): number[];

  /** The closed form at `lastEpoch`, where the schedule has one (SequentialLR's restarts use it). */
  protected closedFormLr(): number[] | undefined {
    return undefined;
  }

  /** Advances one epoch and sets each group's lr. */
  step(): void {
    this.stepCount += 1;
    this.lastEpoch += 1;
    this.apply(this.getLr());
  }

  /** Jumps to `epoch` using the closed form where there is one (PyTorch's `step(epoch)`). */
  stepTo(epoch: number): void {
    this.stepCount += 1;
    this.lastEpoch = epoch;
    this.apply(this.closedFormLr() ?? this.getLr());
  }

  protected apply(values: number[]): void {
    this.groups.forEach((g, i) => (g.lr = values[i]));
    this.lastLr = this.groups.map((g) => g.lr);
  }

  /** The lrs the last step set, one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's state: PyTorch's fields (base_lrs, last_epoch, _step_count, _last_lr, and the schedule's own). */
  stateDict(): SchedulerStateDict {
    return { ...this.options(), base_lrs: [...this.baseLrs], last_epoch: this.lastEpoch, _step_count: this.stepCount, _last_lr: [...this.lastLr] };
  }

  /** Restores a state from `stateDict()`. The optimizer's own state is loaded separately. */
  loadStateDict(state: SchedulerStateDict): void {
    if (typeof state !== 'object' || state === null) throw new OptimError(`${this.constructor.name}.loadStateDict: expected an object from stateDict()`);
    const numbers = (key: string): number[] | undefined => {
      const v = state[key];
      if (v === undefined) return undefined;
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) throw new OptimError(`${this.constructor.name}.loadStateDict: '${key}' must be a list of numbers`);
      return [...(v as number[])];
    };
    this.baseLrs = numbers('base_lrs') ?? this.baseLrs;
    this.lastLr = numbers('_last_lr') ?? this.lastLr;
    if (typeof state.last_epoch === 'number') this.lastEpoch = state.last_epoch;
    if (typeof state._step_count === 'number') this.stepCount = state._step_count;
    this.loadOptions(state);
  }

  /** The schedule's own fields, PyTorch's names. */
  protected options(): SchedulerStateDict {
    return {};
  }

  protected loadOptions(state: SchedulerStateDict): void {
    void state;
  }
}

/** Reads a number field of a state dict if present. */
export function stateNumber(state: SchedulerStateDict, key: string, current: number): number {
  const v = state[key];
  return typeof v === 'number' ? v : current;
}
