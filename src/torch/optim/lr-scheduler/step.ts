// Step decays at fixed epochs: StepLR and MultiStepLR (PyTorch 1.13).
import { pow } from '../libm.js';
import { OptimError } from '../optimizer.js';
import { bisectRight, LRScheduler, stateNumber, type AnyOptimizer, type SchedulerStateDict } from './base.js';

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
    this.stepSize = stateNumber(state, 'step_size', this.stepSize);
    this.gamma = stateNumber(state, 'gamma', this.gamma);
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
    this.gamma = stateNumber(state, 'gamma', this.gamma);
  }
}
