// nn.LayerNorm, after torch/nn/modules/normalization.py.
import * as F from '../functional.js';
import { empty } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { checkSizes, factory, type FactoryOptions } from './common.js';
import * as init from './init.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';

/**
 * Normalises over the trailing `normalizedShape` dims (biased variance), then scales and shifts
 * elementwise.
 *
 * Args: normalizedShape (number or shape); options eps (1e-5), elementwiseAffine (true), bias
 * (true; PyTorch ≥ 2.1), dtype, device.
 * Attributes: `weight` (ones) and `bias` (zeros) of shape normalizedShape, when affine.
 *
 * @example
 * const norm = new nn.LayerNorm(768);
 * const y = norm.forward(torch.randn([2, 50, 768]));
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: FactoryOptions & { eps?: number; elementwiseAffine?: boolean; bias?: boolean } = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    checkSizes('LayerNorm', Object.fromEntries(this.normalizedShape.map((d, i) => [`normalizedShape[${i}]`, d])));
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    const affine = this.elementwiseAffine;
    this.weight = this.registerParameter('weight', affine ? empty(this.normalizedShape, factory(options)) : null);
    this.bias = this.registerParameter('bias', affine && (options.bias ?? true) ? empty(this.normalizedShape, factory(options)) : null);
    this.resetParameters();
  }

  resetParameters(): void {
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }

  forward(input: Tensor): Tensor {
    return F.layerNorm(input, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}
