// Schedulers driven by user functions of the epoch: LambdaLR and MultiplicativeLR (PyTorch 1.13).
import { OptimError } from '../optimizer.js';
import { LRScheduler, type AnyOptimizer, type SchedulerStateDict } from './base.js';

type EpochLambda = (epoch: number) => number;

/** One function per param group: the one given for all, or the list (which must have one per group). */
function perGroupLambdas(optimizer: AnyOptimizer, lrLambda: EpochLambda | EpochLambda[]): EpochLambda[] {
  const n = optimizer.paramGroups.length;
  if (!Array.isArray(lrLambda)) return Array.from({ length: n }, () => lrLambda);
  if (lrLambda.length !== n) throw new OptimError(`Expected ${n} lr_lambdas, but got ${lrLambda.length}`);
  return [...lrLambda];
}

/** lr = initial lr · lambda(epoch), one function for all groups or one per group (torch LambdaLR). Functions are not saved. */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: EpochLambda[];

  constructor(optimizer: AnyOptimizer, lrLambda: EpochLambda | EpochLambda[], { lastEpoch = -1 } = {}) {
    super(optimizer);
    this.lrLambdas = perGroupLambdas(optimizer, lrLambda);
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
  readonly lrLambdas: EpochLambda[];

  constructor(optimizer: AnyOptimizer, lrLambda: EpochLambda | EpochLambda[], { lastEpoch = -1 } = {}) {
    super(optimizer);
    this.lrLambdas = perGroupLambdas(optimizer, lrLambda);
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
