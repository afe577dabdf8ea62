// nn.Conv1d, after torch/nn/modules/conv.py: state plus one F.conv1d call.
import * as F from '../functional.js';
import { pad } from '../ops/shape.js';
import type { Tensor } from '../tensor.js';
import { ConvNd, type ConvNdOptions } from './conv-nd.js';

export type Conv1dOptions = ConvNdOptions;

/**
 * 1-D convolution over [N, C, L] (or unbatched [C, L]) input.
 *
 * Args: inChannels, outChannels, kernelSize (number or [k]); options stride, padding (number,
 * [p], 'same' or 'valid'), dilation, groups, bias (default true), paddingMode ('zeros',
 * 'reflect', 'replicate', 'circular'), dtype, device.
 * Attributes: `weight` [outChannels, inChannels/groups, k], `bias` [outChannels] or null.
 *
 * @example
 * const conv = new nn.Conv1d(3, 64, 3, { padding: 1 });
 * const y = conv.forward(torch.randn([2, 3, 100])); // [2, 64, 100]
 */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number], options: Conv1dOptions = {}) {
    super('Conv1d', 1, inChannels, outChannels, kernelSize, false, options);
  }

  forward(input: Tensor): Tensor {
    const o = { stride: this.stride[0], dilation: this.dilation[0], groups: this.groups };
    if (this.paddingMode !== 'zeros') {
      const padded = pad(input, this.reversedPaddingRepeatedTwice, this.paddingMode);
      try {
        return F.conv1d(padded, this.weight, this.bias, { ...o, padding: 0 });
      } finally {
        padded.dispose();
      }
    }
    return F.conv1d(input, this.weight, this.bias, { ...o, padding: typeof this.padding === 'string' ? this.padding : this.padding[0] });
  }
}
