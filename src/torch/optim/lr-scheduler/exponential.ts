// Exponential decay every epoch: ExponentialLR (PyTorch 1.13).
import { pow } from '../libm.js';
import { LRScheduler, stateNumber, type AnyOptimizer, type SchedulerStateDict } from './base.js';

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
    this.gamma = stateNumber(state, 'gamma', this.gamma);
  }
}
