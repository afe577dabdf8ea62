// Metric-driven reduction: ReduceLROnPlateau (PyTorch 1.13). It is not epoch-indexed, so it does not extend LRScheduler.
import { isTensor, type Tensor } from '../../tensor.js';
import { OptimError, type BaseHyper } from '../optimizer.js';
import { checkOptimizer, stateNumber, type AnyOptimizer, type SchedulerStateDict } from './base.js';

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
    this.factor = stateNumber(state, 'factor', this.factor);
    this.patience = stateNumber(state, 'patience', this.patience);
    this.cooldown = stateNumber(state, 'cooldown', this.cooldown);
    this.cooldownCounter = stateNumber(state, 'cooldown_counter', this.cooldownCounter);
    this.threshold = stateNumber(state, 'threshold', this.threshold);
    this.best = decodeFloat(state.best, this.best);
    this.numBadEpochs = stateNumber(state, 'num_bad_epochs', this.numBadEpochs);
    this.eps = stateNumber(state, 'eps', this.eps);
    this.lastEpoch = stateNumber(state, 'last_epoch', this.lastEpoch);
    if (Array.isArray(state._last_lr)) this.lastLr = [...(state._last_lr as number[])];
  }
}
