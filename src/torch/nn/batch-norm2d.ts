// nn.BatchNorm2d, after torch/nn/modules/batchnorm.py.
import type { Tensor } from '../tensor.js';
import { BatchNorm, type BatchNormOptions } from './batch-norm.js';

/**
 * Batch normalisation of [N, C, H, W] input per channel.
 *
 * Args: numFeatures (C); options eps (1e-5), momentum (0.1, null = cumulative average), affine
 * (true), trackRunningStats (true), dtype, device.
 * Attributes: `weight`, `bias` [C]; buffers `running_mean`, `running_var` [C] and
 * `num_batches_tracked` (int64 scalar).
 *
 * @example
 * const bn = new nn.BatchNorm2d(64);
 * const y = bn.forward(torch.randn([8, 64, 32, 32])); // training: batch statistics
 */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super('BatchNorm2d', numFeatures, options);
  }

  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 4) throw this.inputDimError('4D', input);
  }
}
