// nn.Conv2d, after torch/nn/modules/conv.py: state plus one F.conv2d call.
import * as F from '../functional.js';
import { pad } from '../ops/shape.js';
import type { Tensor } from '../tensor.js';
import { ConvNd, type ConvNdOptions } from './conv-nd.js';

export type Conv2dOptions = ConvNdOptions;

/**
 * 2-D convolution over [N, C, H, W] (or unbatched [C, H, W]) input.
 *
 * Args: inChannels, outChannels, kernelSize (number or [kh, kw]); options stride, padding (number,
 * [ph, pw], 'same' or 'valid'), dilation, groups, bias (default true), paddingMode ('zeros',
 * 'reflect', 'replicate', 'circular'), dtype, device.
 * Attributes: `weight` [outChannels, inChannels/groups, kh, kw], `bias` [outChannels] or null.
 *
 * @example
 * const conv = new nn.Conv2d(3, 64, 3, { padding: 1 });
 * const y = conv.forward(torch.randn([2, 3, 32, 32])); // [2, 64, 32, 32]
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: Conv2dOptions = {}) {
    super('Conv2d', 2, inChannels, outChannels, kernelSize, false, options);
  }

  forward(input: Tensor): Tensor {
    const o = { stride: this.stride as [number, number], dilation: this.dilation as [number, number], groups: this.groups };
    if (this.paddingMode !== 'zeros') {
      const padded = pad(input, this.reversedPaddingRepeatedTwice, this.paddingMode);
      try {
        return F.conv2d(padded, this.weight, this.bias, { ...o, padding: 0 });
      } finally {
        padded.dispose();
      }
    }
    return F.conv2d(input, this.weight, this.bias, { ...o, padding: this.padding as [number, number] | 'same' | 'valid' });
  }
}
