// nn.ReLU, after torch/nn/modules/activation.py.
import * as F from '../functional.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** max(0, x); `inplace` overwrites the input and returns it (PyTorch's ReLU(inplace=True)). */
export class ReLU extends Module {
  readonly inplace: boolean;

  constructor(options: { inplace?: boolean } = {}) {
    super();
    this.inplace = options.inplace ?? false;
  }

  override extraRepr(): string {
    return this.inplace ? 'inplace=True' : '';
  }

  forward(input: Tensor): Tensor {
    return this.inplace ? input.relu_() : F.relu(input);
  }
}
