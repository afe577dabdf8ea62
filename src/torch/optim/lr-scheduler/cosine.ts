// Cosine annealing: CosineAnnealingLR (PyTorch 1.13), with C's cos for PyTorch's bits.
import { cos } from '../libm.js';
import { OptimError } from '../optimizer.js';
import { LRScheduler, stateNumber, type AnyOptimizer, type SchedulerStateDict } from './base.js';

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
    this.tMax = stateNumber(state, 'T_max', this.tMax);
    this.etaMin = stateNumber(state, 'eta_min', this.etaMin);
  }
}
