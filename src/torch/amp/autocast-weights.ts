// Weights cast once for autocast inference. Autocast casts the float32 weights of every linear and
// convolution to the low-precision dtype on each call (and caches them only per region); casting
// them once beforehand gives the same values (the same rounding of the same numbers) without the
// per-call copies, and halves the memory they take.
import { noGrad } from '../autograd.js';
import { cpu } from '../cpu.js';
import { Conv1d } from '../nn/conv1d.js';
import { Conv2d } from '../nn/conv2d.js';
import { Linear } from '../nn/linear.js';
import type { Module } from '../nn/module.js';
import { MultiheadAttention } from '../nn/multihead-attention.js';
import type { Parameter } from '../nn/parameter.js';
import type { AutocastDType } from './autocast.js';

/**
 * Casts to `dtype`, in place, the parameters that libtorch's autocast would cast on every call:
 * the weights and biases of Linear, Conv1d, Conv2d and MultiheadAttention's input projections
 * (transposed convolutions, norms and embeddings stay float32, as autocast runs them). Run the
 * module under `torch.autocast` with the same dtype afterwards: its outputs are then exactly those
 * of autocast over float32 weights. An inference-time conversion: it drops the float32 values,
 * and returns their memory to the system (torch.cpu.emptyCache).
 */
export function castWeightsForAutocast<M extends Module>(module: M, dtype: AutocastDType = 'bfloat16'): M {
  noGrad(() => {
    for (const m of module.modules()) {
      let params: (Parameter | null)[] = [];
      if (m instanceof Linear || m instanceof Conv1d || m instanceof Conv2d) params = [m.weight, m.bias];
      else if (m instanceof MultiheadAttention) params = [m.inProjWeight, m.qProjWeight, m.kProjWeight, m.vProjWeight, m.inProjBias];
      for (const p of params) {
        if (!p || p.dtype === dtype || (p.dtype !== 'float32' && p.dtype !== 'float64')) continue;
        const cast = p.to(dtype);
        p.setData_(cast);
        cast.dispose();
      }
    }
  });
  cpu.emptyCache();
  return module;
}
