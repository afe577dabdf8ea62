// nn.Linear, after torch/nn/modules/linear.py: state plus one F.linear call.
import * as F from '../functional.js';
import { empty } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import * as init from './init.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';
import { checkSizes, type FactoryOptions } from './common.js';

/**
 * y = x Wᵀ + b.
 *
 * Shape: input [*, inFeatures] → output [*, outFeatures].
 * Attributes: `weight` [outFeatures, inFeatures], `bias` [outFeatures] or null; both initialised
 * U(-1/√inFeatures, 1/√inFeatures) (kaiming_uniform with a = √5).
 *
 * @example
 * const fc = new nn.Linear(20, 30);
 * const y = fc.forward(torch.randn([128, 20])); // [128, 30]
 */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: FactoryOptions & { bias?: boolean } = {}) {
    super();
    checkSizes('Linear', { inFeatures, outFeatures }, true);
    const factory = { dtype: options.dtype, device: options.device };
    this.weight = this.registerParameter('weight', empty([outFeatures, inFeatures], factory));
    this.bias = this.registerParameter('bias', options.bias ?? true ? empty([outFeatures], factory) : null);
    this.resetParameters();
  }

  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const { fanIn } = init.calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }

  forward(input: Tensor): Tensor {
    return F.linear(input, this.weight, this.bias);
  }
}

