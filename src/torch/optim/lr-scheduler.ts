// Learning-rate schedulers, as torch.optim.lr_scheduler in PyTorch 1.13: the same chainable
// (recursive) formulas, so the learning rates equal PyTorch's bit for bit, and state dicts with
// PyTorch's field names. Call `scheduler.step()` after `optimizer.step()`, once per epoch (or
// per iteration, as the schedule is defined).
import { isTensor, type Tensor } from '../tensor.js';
import { cos, pow } from './libm.js';
import { OptimError, Optimizer, type BaseHyper } from './optimizer.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOptimizer = Optimizer<any>;
type Groups = { lr: number; initialLr?: number }[];

/** A scheduler's state: JSON-able, PyTorch's field names. */
export type SchedulerStateDict = Record<string, unknown>;

function checkOptimizer(optimizer: unknown): asserts optimizer is AnyOptimizer {
  if (!(optimizer instanceof Optimizer)) {
    const name = optimizer === null || typeof optimizer !== 'object' ? typeof optimizer : (optimizer as object).constructor.name;
    throw new OptimError(`${name} is not an Optimizer`);
  }
}

/** Index of the first element greater than x, in a sorted array (Python's bisect_right). */
function bisectRight(sorted: readonly number[], x: number): number {
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
function num(state: SchedulerStateDict, key: string, current: number): number {
  const v = state[key];
  return typeof v === 'number' ? v : current;
}

/** lr = initial lr · lambda(epoch), one function for all groups or one per group (torch LambdaLR). Functions are not saved. */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: ((epoch: number) => number)[];

  constructor(optimizer: AnyOptimizer, lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[], { lastEpoch = -1 } = {}) {
    super(optimizer);
    const n = optimizer.paramGroups.length;
    if (Array.isArray(lrLambda)) {
      if (lrLambda.length !== n) throw new OptimError(`Expected ${n} lr_lambdas, but got ${lrLambda.length}`);
      this.lrLambdas = [...lrLambda];
    } else {
      this.lrLambdas = Array.from({ length: n }, () => lrLambda);
    }
    this.init(lastEpoch);
  }

  protected override getLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i](this.lastEpoch));
  }

  protected override options(): SchedulerStateDict {
    return { lr_lambdas: this.lrLambdas.map(() => null) };
  }
}

/** Multiplies each group's lr by lambda(epoch) at every step after the first (torch MultiplicativeLR). */
export class MultiplicativeLR extends LRScheduler {
  readonly lrLambdas: ((epoch: number) => number)[];

  constructor(optimizer: AnyOptimizer, lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[], { lastEpoch = -1 } = {}) {
    super(optimizer);
    const n = optimizer.paramGroups.length;
    if (Array.isArray(lrLambda)) {
      if (lrLambda.length !== n) throw new OptimError(`Expected ${n} lr_lambdas, but got ${lrLambda.length}`);
      this.lrLambdas = [...lrLambda];
    } else {
      this.lrLambdas = Array.from({ length: n }, () => lrLambda);
    }
    this.init(lastEpoch);
  }

  protected override getLr(): number[] {
    if (this.lastEpoch > 0) return this.groups.map((g, i) => g.lr * this.lrLambdas[i](this.lastEpoch));
    return this.groups.map((g) => g.lr);
  }

  protected override options(): SchedulerStateDict {
    return { lr_lambdas: this.lrLambdas.map(() => null) };
  }
}

/** Multiplies the lr by gamma every stepSize epochs (torch StepLR). */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: AnyOptimizer, { stepSize, gamma = 0.1, lastEpoch = -1 }: { stepSize: number; gamma?: number; lastEpoch?: number }) {
    super(optimizer);
    if (!(Number.isInteger(stepSize) && stepSize > 0)) throw new OptimError(`StepLR: stepSize must be a positive integer, got ${stepSize}`);
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.init(lastEpoch);
  }

  protected override getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * pow(this.gamma, Math.floor(this.lastEpoch / this.stepSize)));
  }

  protected override options(): SchedulerStateDict {
    return { step_size: this.stepSize, gamma: this.gamma };
  }

  protected override loadOptions(state: SchedulerStateDict): void {
    this.stepSize = num(state, 'step_size', this.stepSize);
    this.gamma = num(state, 'gamma', this.gamma);
  }
}

/** Multiplies the lr by gamma at each milestone epoch (torch MultiStepLR; a repeated milestone applies gamma again). */
export class MultiStepLR extends LRScheduler {
  milestones: number[];
  gamma: number;

  constructor(optimizer: AnyOptimizer, { milestones, gamma = 0.1, lastEpoch = -1 }: { milestones: readonly number[]; gamma?: number; lastEpoch?: number }) {
    super(optimizer);
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.gamma = gamma;
    this.init(lastEpoch);
  }

  protected override getLr(): number[] {
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (count === 0) return this.groups.map((g) => g.lr);
    const factor = pow(this.gamma, count);
    return this.groups.map((g) => g.lr * factor);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * pow(this.gamma, bisectRight(this.milestones, this.lastEpoch)));
  }

  protected override options(): SchedulerStateDict {
    return { milestones: [...this.milestones], gamma: this.gamma };
  }

  protected override loadOptions(state: SchedulerStateDict): void {
    if (Array.isArray(state.milestones)) this.milestones = [...(state.milestones as number[])].sort((a, b) => a - b);
    this.gamma = num(state, 'gamma', this.gamma);
  }
}

/**
 * Multiplies the lr by `factor` until epoch `totalIters`, then restores it (torch ConstantLR).
 * With factor 1 it is a constant schedule.
 */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;

  constructor(optimizer: AnyOptimizer, { factor = 1 / 3, totalIters = 5, lastEpoch = -1 }: { factor?: number; totalIters?: number; lastEpoch?: number } = {}) {
    super(optimizer);
    if (factor > 1.0 || factor < 0) throw new OptimError('Constant multiplicative factor expected to be between 0 and 1.');
    this.factor = factor;
    this.totalIters = totalIters;
    this.init(lastEpoch);
  }

  protected override getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1.0 / this.factor));
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor)));
  }

  protected override options(): SchedulerStateDict {
    return { factor: this.factor, total_iters: this.totalIters };
  }

  protected override loadOptions(state: SchedulerStateDict): void {
    this.factor = num(state, 'factor', this.factor);
    this.totalIters = num(state, 'total_iters', this.totalIters);
  }
}

/** Scales the lr linearly from startFactor to endFactor over totalIters epochs: warmup (torch LinearLR). */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(
    optimizer: AnyOptimizer,
    { startFactor = 1 / 3, endFactor = 1.0, totalIters = 5, lastEpoch = -1 }: { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number } = {},
  ) {
    super(optimizer);
    if (startFactor > 1.0 || startFactor < 0) throw new OptimError('Starting multiplicative factor expected to be between 0 and 1.');
    if (endFactor > 1.0 || endFactor < 0) throw new OptimError('Ending multiplicative factor expected to be between 0 and 1.');
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.init(lastEpoch);
  }

  protected override getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.startFactor);
    if (this.lastEpoch > this.totalIters) return this.groups.map((g) => g.lr);
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    return this.groups.map((g) => g.lr * (1 + (e - s) / (n * s + (this.lastEpoch - 1) * (e - s))));
  }

  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    return this.baseLrs.map((base) => base * (s + ((e - s) * Math.min(n, this.lastEpoch)) / n));
  }

  protected override options(): SchedulerStateDict {
    return { start_factor: this.startFactor, end_factor: this.endFactor, total_iters: this.totalIters };
  }

  protected override loadOptions(state: SchedulerStateDict): void {
    this.startFactor = num(state, 'start_factor', this.startFactor);
    this.endFactor = num(state, 'end_factor', this.endFactor);
    this.totalIters = num(state, 'total_iters', this.totalIters);
  }
}

/** Multiplies the lr by gamma every epoch (torch ExponentialLR). */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: AnyOptimizer, { gamma, lastEpoch = -1 }: { gamma: number; lastEpoch?: number }) {
    super(optimizer);
    this.gamma = gamma;
    this.init(lastEpoch);
  }

  protected override getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * pow(this.gamma, this.lastEpoch));
  }

  protected override options(): SchedulerStateDict {
    return { gamma: this.gamma };
  }

  protected override loadOptions(state: SchedulerStateDict): void {
    this.gamma = num(state, 'gamma', this.gamma);
  }
}

/** Decays the lr as (1 - epoch/totalIters)^power until totalIters (torch PolynomialLR). */
export class PolynomialLR extends LRScheduler {
  totalIters: number;
  power: number;

  constructor(optimizer: AnyOptimizer, { totalIters = 5, power = 1.0, lastEpoch = -1 }: { totalIters?: number; power?: number; lastEpoch?: number } = {}) {
    super(optimizer);
    this.totalIters = totalIters;
    this.power = power;
    this.init(lastEpoch);
  }

  protected override getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch > this.totalIters) return this.groups.map((g) => g.lr);
    const decay = pow((1.0 - this.lastEpoch / this.totalIters) / (1.0 - (this.lastEpoch - 1) / this.totalIters), this.power);
    return this.groups.map((g) => g.lr * decay);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * pow(1.0 - Math.min(this.totalIters, this.lastEpoch) / this.totalIters, this.power));
  }

  protected override options(): SchedulerStateDict {
    return { total_iters: this.totalIters, power: this.power };
  }

  protected override loadOptions(state: SchedulerStateDict): void {
    this.totalIters = num(state, 'total_iters', this.totalIters);
    this.power = num(state, 'power', this.power);
  }
}

/**
 * Cosine annealing from the initial lr to etaMin over tMax epochs, by PyTorch's recursive formula
 * (torch CosineAnnealingLR; past tMax it rises again, as PyTorch's does).
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;

  constructor(optimizer: AnyOptimizer, { tMax, etaMin = 0, lastEpoch = -1 }: { tMax: number; etaMin?: number; lastEpoch?: number }) {
    super(optimizer);
    if (!(tMax > 0)) throw new OptimError(`CosineAnnealingLR: tMax must be positive, got ${tMax}`);
    this.tMax = tMax;
    this.etaMin = etaMin;
    this.init(lastEpoch);
  }

  protected override getLr(): number[] {
    const { lastEpoch: e, tMax: T, etaMin } = this;
    if (e === 0) return this.groups.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + cos((e * Math.PI) / T))) / 2);
    }
    if ((e - 1 - T) % (2 * T) === 0) {
      const c = cos(Math.PI / T);
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - c)) / 2);
    }
    const ratio = (1 + cos((Math.PI * e) / T)) / (1 + cos((Math.PI * (e - 1)) / T));
    return this.groups.map((g) => ratio * (g.lr - etaMin) + etaMin);
  }

  protected override closedFormLr(): number[] {
    const c = cos((Math.PI * this.lastEpoch) / this.tMax);
    return this.baseLrs.map((base) => this.etaMin + ((base - this.etaMin) * (1 + c)) / 2);
  }

  protected override options(): SchedulerStateDict {
    return { T_max: this.tMax, eta_min: this.etaMin };
  }

  protected override loadOptions(state: SchedulerStateDict): void {
    this.tMax = num(state, 'T_max', this.tMax);
    this.etaMin = num(state, 'eta_min', this.etaMin);
  }
}

/**
 * Runs schedulers one after another, switching at the milestones (torch SequentialLR), e.g.
 * LinearLR warmup for 5 epochs then CosineAnnealingLR.
 */
export class SequentialLR extends LRScheduler {
  readonly schedulers: LRScheduler[];
  readonly milestones: number[];

  constructor(optimizer: AnyOptimizer, { schedulers, milestones, lastEpoch = -1 }: { schedulers: readonly LRScheduler[]; milestones: readonly number[]; lastEpoch?: number }) {
    super(optimizer);
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) {
        throw new OptimError(
          `Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at index ${i} to be different than the optimizer passed in.`,
        );
      }
    });
    if (milestones.length !== schedulers.length - 1) {
      throw new OptimError(
        'Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, ' +
          `but got number of schedulers ${schedulers.length} and the number of milestones to be equal to ${milestones.length}`,
      );
    }
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = lastEpoch + 1;
    for (const g of this.groups) g.lr = g.initialLr!;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0].initialStep();
    this.lastLr = this.schedulers[0].getLastLr();
  }

  protected override getLr(): number[] {
    return this.groups.map((g) => g.lr);
  }

  override step(): void {
    this.lastEpoch += 1;
    const idx = bisectRight(this.milestones, this.lastEpoch);
    const scheduler = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) scheduler.stepTo(0);
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }

  override stateDict(): SchedulerStateDict {
    return { _milestones: [...this.milestones], last_epoch: this.lastEpoch, _last_lr: [...this.lastLr], _schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  override loadStateDict(state: SchedulerStateDict): void {
    if (typeof state.last_epoch === 'number') this.lastEpoch = state.last_epoch;
    if (Array.isArray(state._last_lr)) this.lastLr = [...(state._last_lr as number[])];
    const inner = state._schedulers;
    if (!Array.isArray(inner) || inner.length !== this.schedulers.length) {
      throw new OptimError(`SequentialLR.loadStateDict: expected ${this.schedulers.length} scheduler states in '_schedulers'`);
    }
    this.schedulers.forEach((s, i) => s.loadStateDict(inner[i] as SchedulerStateDict));
  }
}

/** Steps several schedulers together, their effects multiplying (torch ChainedScheduler). */
export class ChainedScheduler extends LRScheduler {
  readonly schedulers: LRScheduler[];

  constructor(schedulers: readonly LRScheduler[]) {
    if (schedulers.length === 0) throw new OptimError('ChainedScheduler expects at least one scheduler');
    super(schedulers[0].optimizer);
    schedulers.forEach((s, i) => {
      if (s.optimizer !== schedulers[0].optimizer) {
        throw new OptimError(`ChainedScheduler expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and ${i} to be different`);
      }
    });
    this.schedulers = [...schedulers];
    this.lastLr = this.groups.map((g) => g.lr);
  }

  protected override getLr(): number[] {
    return this.groups.map((g) => g.lr);
  }

  override step(): void {
    for (const s of this.schedulers) s.step();
    this.lastLr = this.groups.map((g) => g.lr);
  }

  override stateDict(): SchedulerStateDict {
    return { _last_lr: [...this.lastLr], _schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  override loadStateDict(state: SchedulerStateDict): void {
    if (Array.isArray(state._last_lr)) this.lastLr = [...(state._last_lr as number[])];
    const inner = state._schedulers;
    if (!Array.isArray(inner) || inner.length !== this.schedulers.length) {
      throw new OptimError(`ChainedScheduler.loadStateDict: expected ${this.schedulers.length} scheduler states in '_schedulers'`);
    }
    this.schedulers.forEach((s, i) => s.loadStateDict(inner[i] as SchedulerStateDict));
  }
}

export interface ReduceLROnPlateauOptions {
  /** 'min': reduce when the metric stops decreasing; 'max': when it stops increasing. Default 'min'. */
  mode?: 'min' | 'max';
  /** new lr = lr · factor. Default 0.1. */
  factor?: number;
  /** Epochs without improvement tolerated before reducing. Default 10. */
  patience?: number;
  /** How much better counts as better. Default 1e-4. */
  threshold?: number;
  /** 'rel': better than best·(1 ∓ threshold); 'abs': than best ∓ threshold. Default 'rel'. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again. Default 0. */
  cooldown?: number;
  /** Lower bound on the lr, one for all groups or one per group. Default 0. */
  minLr?: number | readonly number[];
  /** A reduction smaller than eps is skipped. Default 1e-8. */
  eps?: number;
}

/** ±Infinity and NaN as Python spells them, so that a state dict survives JSON. */
const encodeFloat = (x: number): number | string => (Number.isFinite(x) ? x : Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf');
function decodeFloat(x: unknown, fallback: number): number {
  if (typeof x === 'number') return x;
  if (x === 'inf' || x === 'Infinity') return Infinity;
  if (x === '-inf' || x === '-Infinity') return -Infinity;
  if (x === 'nan' || x === 'NaN') return NaN;
  return fallback;
}

/**
 * Reduces the lr when a metric has stopped improving (torch ReduceLROnPlateau): after more than
 * `patience` epochs without improvement, each group's lr becomes max(lr · factor, minLr).
 *
 * @example
 * const plateau = new optim.ReduceLROnPlateau(opt, { mode: 'max', patience: 5 });
 * plateau.step(valDice);
 */
export class ReduceLROnPlateau {
  readonly optimizer: AnyOptimizer;
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  minLrs: number[];
  eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private modeWorse: number;
  private lastLr: number[] | undefined;

  constructor(optimizer: AnyOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const { mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel', cooldown = 0, minLr = 0, eps = 1e-8 } = options;
    if (factor >= 1.0) throw new OptimError('Factor should be < 1.0.');
    checkOptimizer(optimizer);
    this.optimizer = optimizer;
    const n = optimizer.paramGroups.length;
    if (Array.isArray(minLr)) {
      if (minLr.length !== n) throw new OptimError(`expected ${n} min_lrs, got ${minLr.length}`);
      this.minLrs = [...minLr];
    } else {
      this.minLrs = Array.from({ length: n }, () => minLr as number);
    }
    this.factor = factor;
    this.patience = patience;
    this.cooldown = cooldown;
    this.eps = eps;
    this.mode = mode;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.modeWorse = ReduceLROnPlateau.checkModes(mode, thresholdMode);
    this.best = this.modeWorse;
  }

  private static checkModes(mode: string, thresholdMode: string): number {
    if (mode !== 'min' && mode !== 'max') throw new OptimError(`mode ${mode} is unknown!`);
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs') throw new OptimError(`threshold mode ${thresholdMode} is unknown!`);
    return mode === 'min' ? Infinity : -Infinity;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Whether `a` improves on `best` by the threshold. */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /** Records this epoch's metric (a number or a one-element tensor) and reduces the lr if it has plateaued. */
  step(metric: number | Tensor): void {
    const current = isTensor(metric) ? metric.item() : Number(metric);
    const epoch = this.lastEpoch + 1;
    this.lastEpoch = epoch;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g: BaseHyper) => g.lr);
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((g: BaseHyper, i: number) => {
      const oldLr = g.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]);
      if (oldLr - newLr > this.eps) g.lr = newLr;
    });
  }

  /** The lrs after the last step (the current ones before any step). */
  getLastLr(): number[] {
    return this.lastLr ? [...this.lastLr] : this.optimizer.paramGroups.map((g: BaseHyper) => g.lr);
  }

  /** PyTorch's fields; an infinite `best` is written 'inf' / '-inf' so that the dict survives JSON. */
  stateDict(): SchedulerStateDict {
    const state: SchedulerStateDict = {
      factor: this.factor,
      min_lrs: [...this.minLrs],
      patience: this.patience,
      verbose: false,
      cooldown: this.cooldown,
      cooldown_counter: this.cooldownCounter,
      mode: this.mode,
      threshold: this.threshold,
      threshold_mode: this.thresholdMode,
      best: encodeFloat(this.best),
      num_bad_epochs: this.numBadEpochs,
      mode_worse: encodeFloat(this.modeWorse),
      eps: this.eps,
      last_epoch: this.lastEpoch,
    };
    if (this.lastLr) state._last_lr = [...this.lastLr];
    return state;
  }

  loadStateDict(state: SchedulerStateDict): void {
    if (typeof state !== 'object' || state === null) throw new OptimError('ReduceLROnPlateau.loadStateDict: expected an object from stateDict()');
    const mode = (state.mode ?? this.mode) as 'min' | 'max';
    const thresholdMode = (state.threshold_mode ?? this.thresholdMode) as 'rel' | 'abs';
    const modeWorse = ReduceLROnPlateau.checkModes(mode, thresholdMode);
    if (Array.isArray(state.min_lrs)) {
      if (state.min_lrs.length !== this.optimizer.paramGroups.length) {
        throw new OptimError(`expected ${this.optimizer.paramGroups.length} min_lrs, got ${state.min_lrs.length}`);
      }
      this.minLrs = [...(state.min_lrs as number[])];
    }
    this.mode = mode;
    this.thresholdMode = thresholdMode;
    this.modeWorse = modeWorse;
    this.factor = num(state, 'factor', this.factor);
    this.patience = num(state, 'patience', this.patience);
    this.cooldown = num(state, 'cooldown', this.cooldown);
    this.cooldownCounter = num(state, 'cooldown_counter', this.cooldownCounter);
    this.threshold = num(state, 'threshold', this.threshold);
    this.best = decodeFloat(state.best, this.best);
    this.numBadEpochs = num(state, 'num_bad_epochs', this.numBadEpochs);
    this.eps = num(state, 'eps', this.eps);
    this.lastEpoch = num(state, 'last_epoch', this.lastEpoch);
    if (Array.isArray(state._last_lr)) this.lastLr = [...(state._last_lr as number[])];
  }
}
