// nn.Sigmoid, after torch/nn/modules/activation.py.
import * as F from '../functional.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** 1 / (1 + exp(−x)). */
export class Sigmoid extends Module {
  forward(input: Tensor): Tensor {
    return F.sigmoid(input);
  }
}
