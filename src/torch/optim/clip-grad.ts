// Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_ in PyTorch 1.13: the same
// operations in the same order, so the clipped gradients equal PyTorch's bit for bit.
import { noGrad } from '../autograd.js';
import { aten } from '../dispatch.js';
import { stack } from '../ops/shape.js';
import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { OptimError } from './optimizer.js';

const foreachNorm = aten('_foreach_norm', 'Scalar', 'clipGradNorm_');
const normDims = aten('norm', 'ScalarOpt_dim', 'clipGradNorm_');
const foreachMulInPlace = aten('_foreach_mul_', 'List', 'clipGradNorm_');

function gradsOf(parameters: Tensor | readonly Tensor[]): Tensor[] {
  const list = Array.isArray(parameters) ? (parameters as readonly Tensor[]) : [parameters as Tensor];
  return list.map((p) => p.grad).filter((g): g is Tensor => g !== undefined);
}

/**
 * Scales the gradients of `parameters` in place so that their total `normType`-norm (the norm of
 * the per-gradient norms, as if all were one vector) is at most `maxNorm`; returns the total norm
 * before clipping. The scale is maxNorm / (total + 1e-6), clamped to 1. `normType` may be Infinity.
 *
 * @example
 * loss.backward();
 * const norm = optim.clipGradNorm_(model.parameters(), 1.0);
 * opt.step();
 */
export function clipGradNorm_(
  parameters: Tensor | readonly Tensor[],
  maxNorm: number,
  normType = 2,
  { errorIfNonfinite = false }: { errorIfNonfinite?: boolean } = {},
): number {
  return noGrad(() =>
    scope(() => {
      const grads = gradsOf(parameters);
      if (grads.length === 0) return 0;
      const device = grads[0].device;
      const onDevice = (t: Tensor): Tensor => (t.device === device ? t : t.to(device));
      let total: Tensor;
      if (normType === Infinity) {
        const norms = grads.map((g) => onDevice(g.abs().max()));
        total = norms.length === 1 ? norms[0] : stack(norms).max();
      } else {
        const norms = (foreachNorm(grads, normType) as Tensor[]).map(onDevice);
        total = normDims(stack(norms), normType, [0], false);
      }
      const totalNorm = total.item();
      if (errorIfNonfinite && !Number.isFinite(totalNorm)) {
        throw new OptimError(
          `The total norm of order ${normType} for gradients from \`parameters\` is non-finite, so it cannot be clipped. ` +
            'To disable this error and scale the gradients by the non-finite norm anyway, set `errorIfNonfinite: false`',
        );
      }
      // PyTorch's `max_norm / (total_norm + 1e-6)` is Tensor.__rtruediv__: reciprocal, then multiply.
      const coef = total.add(1e-6).reciprocal().mul(maxNorm).clamp(undefined, 1.0);
      foreachMulInPlace.inPlace(grads, grads.map((g) => onDevice(coef).to(g.device)));
      return totalNorm;
    }),
  );
}

/** Clamps every gradient of `parameters` to [-clipValue, clipValue] in place (torch clip_grad_value_). */
export function clipGradValue_(parameters: Tensor | readonly Tensor[], clipValue: number): void {
  noGrad(() =>
    scope(() => {
      for (const g of gradsOf(parameters)) g.clamp_(-clipValue, clipValue);
    }),
  );
}
