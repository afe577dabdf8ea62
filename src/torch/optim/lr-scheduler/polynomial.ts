// Polynomial decay to zero: PolynomialLR (PyTorch 1.13).
import { pow } from '../libm.js';
import { LRScheduler, stateNumber, type AnyOptimizer, type SchedulerStateDict } from './base.js';

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
    this.totalIters = stateNumber(state, 'total_iters', this.totalIters);
    this.power = stateNumber(state, 'power', this.power);
  }
}
