// Checks analytical gradients against central finite differences, like torch.autograd.gradcheck
// in its fast mode: for random directions u (inputs) and v (output), compare vᵀ J u from backward
// with vᵀ (f(x + εu) - f(x - εu)) / 2ε. Inputs should be float64.
import { noGrad } from './autograd.js';
import { randn, randnLike } from './ops/creation.js';
import { scope } from './scope.js';
import type { Tensor } from './tensor.js';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Random direction pairs to try. */
  trials?: number;
}

/**
 * Verifies the gradients of `fn` with respect to every input that requires grad. `fn` returns one
 * tensor (any shape). Throws with both numbers when they disagree.
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], o: GradcheckOptions = {}): true {
  const eps = o.eps ?? 1e-6;
  const atol = o.atol ?? 1e-5;
  const rtol = o.rtol ?? 1e-3;
  const trials = o.trials ?? 2;
  for (const [i, x] of inputs.entries()) {
    if (x.requiresGrad && x.dtype !== 'float64') throw new TypeError(`gradcheck: input ${i} is ${x.dtype}; use float64 inputs for finite differences`);
  }
  for (let trial = 0; trial < trials; trial++) {
    scope(() => {
      const out = fn(...inputs);
      const v = randn(out.shape, { dtype: out.dtype, device: out.device });
      for (const x of inputs) x.grad = null;
      out.mul(v).sum().backward();
      for (const [i, x] of inputs.entries()) {
        if (!x.requiresGrad) continue;
        const u = randnLike(x);
        const g = x.grad;
        const analytical = g ? g.mul(u).sum().item() : 0;
        const numerical = noGrad(() => {
          const plus = fn(...inputs.map((y, j) => (j === i ? y.add(u, eps) : y)));
          const minus = fn(...inputs.map((y, j) => (j === i ? y.sub(u, eps) : y)));
          return plus.sub(minus).mul(v).sum().item() / (2 * eps);
        });
        if (!(Math.abs(analytical - numerical) <= atol + rtol * Math.abs(numerical))) {
          throw new Error(`gradcheck: input ${i}, trial ${trial}: analytical directional derivative ${analytical} vs numerical ${numerical}`);
        }
      }
      for (const x of inputs) x.grad = null;
    });
  }
  return true;
}
