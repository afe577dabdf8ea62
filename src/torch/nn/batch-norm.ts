// The state and forward shared by BatchNorm1d and BatchNorm2d, after `_BatchNorm` in
// torch/nn/modules/batchnorm.py.
import * as F from '../functional.js';
import { empty, ones, scalarTensor, zeros } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { checkSizes, factory, type FactoryOptions } from './common.js';
import * as init from './init.js';
import { Module } from './module.js';
import type { Buffer, Parameter } from './parameter.js';

export interface BatchNormOptions extends FactoryOptions {
  eps?: number;
  /** Weight of the new batch in the running averages (0.1); null for a cumulative average. */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

export abstract class BatchNorm extends Module {
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  readonly runningMean: Buffer | null;
  readonly runningVar: Buffer | null;
  /** int64 scalar, counting training batches. */
  readonly numBatchesTracked: Buffer | null;

  constructor(private readonly layer: string, readonly numFeatures: number, options: BatchNormOptions) {
    super();
    checkSizes(layer, { numFeatures });
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const f = factory(options);
    this.weight = this.registerParameter('weight', this.affine ? empty([numFeatures], f) : null);
    this.bias = this.registerParameter('bias', this.affine ? empty([numFeatures], f) : null);
    const track = this.trackRunningStats;
    this.runningMean = this.registerBuffer('running_mean', track ? zeros([numFeatures], f) : null);
    this.runningVar = this.registerBuffer('running_var', track ? ones([numFeatures], f) : null);
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', track ? scalarTensor(0, { dtype: 'int64', device: options.device }) : null);
    this.resetParameters();
  }

  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    init.zeros_(this.runningMean!);
    init.ones_(this.runningVar!);
    init.zeros_(this.numBatchesTracked!);
  }

  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }

  /** Old checkpoints lack `num_batches_tracked`; PyTorch loads them and keeps the current count. */
  protected override optionalStateKeys(): readonly string[] {
    return ['num_batches_tracked'];
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }

  protected abstract checkInputDim(input: Tensor): void;

  /**
   * Training: normalises with the batch's statistics and updates the running ones in place (and
   * counts the batch). Eval: normalises with the running statistics, when tracked.
   */
  forward(input: Tensor): Tensor {
    this.checkInputDim(input);
    let averagingFactor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.numBatchesTracked) {
      this.numBatchesTracked.add_(1);
      averagingFactor = this.momentum ?? 1 / this.numBatchesTracked.item();
    }
    const useBatchStats = this.training || (this.runningMean === null && this.runningVar === null);
    const useRunning = !this.training || this.trackRunningStats;
    return F.batchNorm(input, useRunning ? this.runningMean : null, useRunning ? this.runningVar : null, this.weight, this.bias, {
      training: useBatchStats,
      momentum: averagingFactor,
      eps: this.eps,
    });
  }

  protected inputDimError(expected: string, input: Tensor): RangeError {
    return new RangeError(`nn.${this.layer}: expected ${expected} input (got ${input.ndim}D input [${input.shape.join(', ')}])`);
  }
}
