// nn.GroupNorm, after torch/nn/modules/normalization.py.
import * as F from '../functional.js';
import { empty } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { checkSizes, factory, type FactoryOptions } from './common.js';
import * as init from './init.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';

/**
 * Normalises [N, C, *] input over groups of C/numGroups channels and the spatial dims, then scales
 * and shifts per channel.
 *
 * Attributes: `weight` (ones) and `bias` (zeros) of shape [numChannels], when affine.
 *
 * @example
 * const norm = new nn.GroupNorm(8, 64);
 * const y = norm.forward(torch.randn([2, 64, 32, 32]));
 */
export class GroupNorm extends Module {
  readonly eps: number;
  readonly affine: boolean;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;

  constructor(readonly numGroups: number, readonly numChannels: number, options: FactoryOptions & { eps?: number; affine?: boolean } = {}) {
    super();
    checkSizes('GroupNorm', { numGroups, numChannels });
    if (numChannels % numGroups !== 0) {
      throw new RangeError(`nn.GroupNorm: num_channels must be divisible by num_groups (numChannels ${numChannels}, numGroups ${numGroups})`);
    }
    this.eps = options.eps ?? 1e-5;
    this.affine = options.affine ?? true;
    this.weight = this.registerParameter('weight', this.affine ? empty([numChannels], factory(options)) : null);
    this.bias = this.registerParameter('bias', this.affine ? empty([numChannels], factory(options)) : null);
    this.resetParameters();
  }

  resetParameters(): void {
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }

  forward(input: Tensor): Tensor {
    return F.groupNorm(input, this.numGroups, this.weight, this.bias, this.eps);
  }
}
