// A module's state dict as an export stores it: floating-point tensors cast to the asked dtype,
// contiguous, on the CPU; integer buffers (BatchNorm's num_batches_tracked) unchanged.
import * as torch from '../../torch/index.js';

type Tensor = torch.Tensor;

const isFloating = (dtype: torch.DType): boolean => dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';

/**
 * `entries` (key → the module's own tensor) with floats cast to `dtype` and everything on the CPU.
 * The returned tensors are copies the caller disposes (`disposeCopies`).
 */
export function exportTensors(entries: Iterable<readonly [string, Tensor]>, dtype: torch.DType): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  try {
    for (const [key, t] of entries) {
      const target = isFloating(t.dtype) ? dtype : t.dtype;
      out.set(key, torch.noGrad(() => torch.scope(() => t.to({ device: 'cpu', dtype: target }).contiguous().clone())));
    }
  } catch (error) {
    torch.dispose([...out.values()]);
    throw error;
  }
  return out;
}

export const disposeCopies = (tensors: ReadonlyMap<string, Tensor>): void => torch.dispose([...tensors.values()]);
