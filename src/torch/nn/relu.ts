// nn.ReLU, after torch/nn/modules/activation.py.
import * as F from '../functional.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** max(0, x). */
export class ReLU extends Module {
  forward(input: Tensor): Tensor {
    return F.relu(input);
  }
}
