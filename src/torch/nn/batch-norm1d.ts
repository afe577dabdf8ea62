// nn.BatchNorm1d, after torch/nn/modules/batchnorm.py.
import type { Tensor } from '../tensor.js';
import { BatchNorm, type BatchNormOptions } from './batch-norm.js';

/**
 * Batch normalisation of [N, C] or [N, C, L] input per channel; the same state as BatchNorm2d.
 *
 * @example
 * const bn = new nn.BatchNorm1d(16);
 * const y = bn.forward(torch.randn([8, 16]));
 */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super('BatchNorm1d', numFeatures, options);
  }

  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) throw this.inputDimError('2D or 3D', input);
  }
}
