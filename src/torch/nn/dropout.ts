// nn.Dropout, after torch/nn/modules/dropout.py.
import * as F from '../functional.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/**
 * In training, zeroes each element with probability p and scales the rest by 1/(1 − p); in eval,
 * the identity (a new handle on the same tensor).
 */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`nn.Dropout: dropout probability has to be between 0 and 1, but got ${p}`);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }

  forward(input: Tensor): Tensor {
    return F.dropout(input, this.p, this.training);
  }
}
