// nn.GELU, after torch/nn/modules/activation.py.
import * as F from '../functional.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** x · Φ(x); `approximate: 'tanh'` uses the tanh approximation (GPT-2, some ViTs). */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(options: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    this.approximate = options.approximate ?? 'none';
    if (this.approximate !== 'none' && this.approximate !== 'tanh') {
      throw new RangeError(`nn.GELU: approximate must be 'none' or 'tanh', got '${this.approximate as string}'`);
    }
  }

  override extraRepr(): string {
    return this.approximate === 'none' ? '' : `approximate='${this.approximate}'`;
  }

  forward(input: Tensor): Tensor {
    return F.gelu(input, this.approximate);
  }
}
