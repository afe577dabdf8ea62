// nn.SiLU, after torch/nn/modules/activation.py.
import * as F from '../functional.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** x · sigmoid(x) (swish). */
export class SiLU extends Module {
  forward(input: Tensor): Tensor {
    return F.silu(input);
  }
}
