// The state shared by Conv1d, Conv2d and ConvTranspose2d, after `_ConvNd` in
// torch/nn/modules/conv.py: argument checks, weight layout, initialisation.
import { empty } from '../ops/creation.js';
import * as init from './init.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';
import { checkSizes, factory, ntuple, type FactoryOptions } from './common.js';

export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

export interface ConvNdOptions extends FactoryOptions {
  stride?: number | readonly number[];
  padding?: number | readonly number[] | 'same' | 'valid';
  dilation?: number | readonly number[];
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
}

const paddingModes: readonly PaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];

export abstract class ConvNd extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | 'same' | 'valid';
  readonly dilation: number[];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  /** Padding for F.pad when paddingMode is not 'zeros': last dim first, each side. */
  protected readonly reversedPaddingRepeatedTwice: number[];
  /** [out, in/groups, *k], or [in, out/groups, *k] when transposed. */
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(
    layer: string,
    dims: number,
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | readonly number[],
    readonly transposed: boolean,
    options: ConvNdOptions,
  ) {
    super();
    checkSizes(layer, { inChannels, outChannels });
    this.kernelSize = ntuple(layer, 'kernelSize', kernelSize, dims);
    this.stride = ntuple(layer, 'stride', options.stride ?? 1, dims);
    this.dilation = ntuple(layer, 'dilation', options.dilation ?? 1, dims);
    checkSizes(layer, { ...named('kernelSize', this.kernelSize), ...named('stride', this.stride), ...named('dilation', this.dilation) });
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups <= 0) throw new RangeError(`nn.${layer}: groups must be a positive integer, got ${groups}`);
    if (inChannels % groups !== 0) throw new RangeError(`nn.${layer}: in_channels must be divisible by groups (inChannels ${inChannels}, groups ${groups})`);
    if (outChannels % groups !== 0) throw new RangeError(`nn.${layer}: out_channels must be divisible by groups (outChannels ${outChannels}, groups ${groups})`);
    this.groups = groups;
    const padding = options.padding ?? 0;
    if (typeof padding === 'string') {
      if (padding !== 'same' && padding !== 'valid') throw new RangeError(`nn.${layer}: Invalid padding string '${padding as string}', should be one of 'same', 'valid'`);
      if (padding === 'same' && this.stride.some((s) => s !== 1)) {
        throw new RangeError(`nn.${layer}: padding='same' is not supported for strided convolutions (stride [${this.stride.join(', ')}])`);
      }
      this.padding = padding;
    } else {
      this.padding = ntuple(layer, 'padding', padding, dims);
      checkSizes(layer, named('padding', this.padding), true);
    }
    this.paddingMode = options.paddingMode ?? 'zeros';
    if (!paddingModes.includes(this.paddingMode)) {
      throw new RangeError(`nn.${layer}: padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular', but got paddingMode='${this.paddingMode}'`);
    }
    this.reversedPaddingRepeatedTwice = [];
    for (let i = dims - 1; i >= 0; i--) {
      if (this.padding === 'same') {
        const total = this.dilation[i] * (this.kernelSize[i] - 1);
        const left = Math.floor(total / 2);
        this.reversedPaddingRepeatedTwice.push(left, total - left);
      } else {
        const p = this.padding === 'valid' ? 0 : this.padding[i];
        this.reversedPaddingRepeatedTwice.push(p, p);
      }
    }
    const shape = transposed
      ? [inChannels, outChannels / groups, ...this.kernelSize]
      : [outChannels, inChannels / groups, ...this.kernelSize];
    this.weight = this.registerParameter('weight', empty(shape, factory(options)));
    this.bias = this.registerParameter('bias', options.bias ?? true ? empty([outChannels], factory(options)) : null);
    this.resetParameters();
  }

  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize.join(', ')}], stride=[${this.stride.join(', ')}]`];
    if (typeof this.padding === 'string') parts.push(`padding='${this.padding}'`);
    else if (this.padding.some((p) => p !== 0)) parts.push(`padding=[${this.padding.join(', ')}]`);
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=[${this.dilation.join(', ')}]`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push('bias=false');
    if (this.paddingMode !== 'zeros') parts.push(`paddingMode='${this.paddingMode}'`);
    return parts.join(', ');
  }

  /** kaiming_uniform(a = √5) for the weight, U(-1/√fanIn, 1/√fanIn) for the bias. */
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const { fanIn } = init.calculateFanInAndFanOut(this.weight);
      if (fanIn !== 0) {
        const bound = 1 / Math.sqrt(fanIn);
        init.uniform_(this.bias, -bound, bound);
      }
    }
  }
}

function named(name: string, values: readonly number[]): Record<string, number> {
  return Object.fromEntries(values.map((v, i) => [values.length === 1 ? name : `${name}[${i}]`, v]));
}
