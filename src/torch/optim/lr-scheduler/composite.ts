// Schedulers made of other schedulers: SequentialLR (one after another) and ChainedScheduler (together), PyTorch 1.13.
import { OptimError } from '../optimizer.js';
import { bisectRight, LRScheduler, type AnyOptimizer, type SchedulerStateDict } from './base.js';

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
