// Warmup factors over the first epochs: ConstantLR and LinearLR (PyTorch 1.13).
import { OptimError } from '../optimizer.js';
import { LRScheduler, stateNumber, type AnyOptimizer, type SchedulerStateDict } from './base.js';

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
    this.factor = stateNumber(state, 'factor', this.factor);
    this.totalIters = stateNumber(state, 'total_iters', this.totalIters);
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
    this.startFactor = stateNumber(state, 'start_factor', this.startFactor);
    this.endFactor = stateNumber(state, 'end_factor', this.endFactor);
    this.totalIters = stateNumber(state, 'total_iters', this.totalIters);
  }
}
