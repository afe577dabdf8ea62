// nn.Tanh, after torch/nn/modules/activation.py.
import * as F from '../functional.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** tanh(x). */
export class Tanh extends Module {
  forward(input: Tensor): Tensor {
    return F.tanh(input);
  }
}
