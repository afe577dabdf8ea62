// A checkpoint with NaN or infinite weights loads without complaint and then predicts nothing
// useful; the load says so, naming the checkpoint and the first tensors affected.
import * as torch from '../torch/index.js';

const FLOATING: readonly torch.DType[] = ['float16', 'bfloat16', 'float32', 'float64'];

/** How many tensors a warning names before it says "and N more". */
const NAMED = 5;

/** Dotted names of the module's floating-point parameters and buffers that hold NaN or ±Inf, with counts. */
export function nonFiniteWeights(module: torch.nn.Module): { name: string; count: number }[] {
  const found: { name: string; count: number }[] = [];
  torch.noGrad(() => {
    for (const [name, tensor] of [...module.namedParameters(), ...module.namedBuffers()]) {
      if (!FLOATING.includes(tensor.dtype) || tensor.numel() === 0) continue;
      const count = torch.scope(() => Number(tensor.isfinite().logicalNot().sum().item()));
      if (count > 0) found.push({ name, count });
    }
  });
  return found;
}

/** A warning naming `source` and the tensors with NaN/Inf values, or undefined when every weight is finite. */
export function nonFiniteWarning(module: torch.nn.Module, source: string): string | undefined {
  const found = nonFiniteWeights(module);
  if (found.length === 0) return undefined;
  const named = found.slice(0, NAMED).map((f) => `${f.name} (${f.count})`).join(', ');
  const more = found.length > NAMED ? ` and ${found.length - NAMED} more tensors` : '';
  return `${source}: ${found.length} weight tensor(s) hold NaN or infinite values: ${named}${more}; predictions from this model will be meaningless`;
}
