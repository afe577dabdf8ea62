// nn.ConvTranspose2d, after torch/nn/modules/conv.py: state plus one F.convTranspose2d call.
import * as F from '../functional.js';
import type { Tensor } from '../tensor.js';
import { ntuple, type FactoryOptions } from './common.js';
import { ConvNd } from './conv-nd.js';

export interface ConvTranspose2dOptions extends FactoryOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  outputPadding?: number | readonly [number, number];
  groups?: number;
  bias?: boolean;
  dilation?: number | readonly [number, number];
  paddingMode?: 'zeros';
}

/**
 * Transposed 2-D convolution (the gradient of Conv2d with respect to its input), for upsampling.
 *
 * Args: inChannels, outChannels, kernelSize; options stride, padding, outputPadding, groups, bias
 * (default true), dilation, paddingMode ('zeros' only, as PyTorch), dtype, device.
 * Attributes: `weight` [inChannels, outChannels/groups, kh, kw], `bias` [outChannels] or null.
 * Shape: H_out = (H_in − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1.
 *
 * @example
 * const up = new nn.ConvTranspose2d(64, 32, 2, { stride: 2 });
 * const y = up.forward(torch.randn([1, 64, 22, 22])); // [1, 32, 44, 44]
 */
export class ConvTranspose2d extends ConvNd {
  readonly outputPadding: number[];

  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: ConvTranspose2dOptions = {}) {
    if ((options.paddingMode ?? 'zeros') !== 'zeros') {
      throw new RangeError(`nn.ConvTranspose2d: only "zeros" padding mode is supported, got paddingMode='${options.paddingMode as string}'`);
    }
    super('ConvTranspose2d', 2, inChannels, outChannels, kernelSize, true, options);
    this.outputPadding = ntuple('ConvTranspose2d', 'outputPadding', options.outputPadding ?? 0, 2);
  }

  /**
   * `outputSize` ([H, W] or [N, C, H, W]) picks the output padding that gives exactly that size,
   * as PyTorch's `output_size` argument; stride > 1 otherwise leaves it ambiguous.
   */
  forward(input: Tensor, outputSize?: readonly number[]): Tensor {
    return F.convTranspose2d(input, this.weight, this.bias, {
      stride: this.stride as [number, number],
      padding: this.padding as [number, number],
      outputPadding: this.outputPaddingFor(input, outputSize) as [number, number],
      groups: this.groups,
      dilation: this.dilation as [number, number],
    });
  }

  private outputPaddingFor(input: Tensor, outputSize: readonly number[] | undefined): number[] {
    if (outputSize === undefined) return this.outputPadding;
    const nonSpatial = input.ndim === 4 ? 2 : 1;
    const size = outputSize.length === nonSpatial + 2 ? outputSize.slice(nonSpatial) : [...outputSize];
    if (size.length !== 2) {
      throw new RangeError(`nn.ConvTranspose2d: outputSize must have 2 or ${nonSpatial + 2} elements (got [${outputSize.join(', ')}])`);
    }
    const padding = this.padding as number[];
    const inputSpatial = input.shape.slice(nonSpatial);
    const minSizes = inputSpatial.map((s, d) => (s - 1) * this.stride[d] - 2 * padding[d] + this.dilation[d] * (this.kernelSize[d] - 1) + 1);
    const maxSizes = minSizes.map((m, d) => m + this.stride[d] - 1);
    if (size.some((s, d) => s < minSizes[d] || s > maxSizes[d])) {
      throw new RangeError(
        `nn.ConvTranspose2d: requested an output size of [${size.join(', ')}], but valid sizes range from [${minSizes.join(', ')}] to [${maxSizes.join(', ')}] (for an input of [${inputSpatial.join(', ')}])`,
      );
    }
    return size.map((s, d) => s - minSizes[d]);
  }
}
