// nn.Identity: a placeholder that returns its input, for heads and blocks that switch off a part.
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

export class Identity extends Module {
  /** Returns `input` itself. */
  forward(input: Tensor): Tensor {
    return input;
  }
}
