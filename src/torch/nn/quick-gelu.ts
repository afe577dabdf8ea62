// QuickGELU: x · sigmoid(1.702 x), the activation of OpenAI's CLIP (clip/model.py, class
// QuickGELU) and of HF CLIP configs with hidden_act "quick_gelu". Not in torch.nn.
import { quickGelu } from '../functional.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

export class QuickGELU extends Module {
  forward(input: Tensor): Tensor {
    return quickGelu(input);
  }
}
