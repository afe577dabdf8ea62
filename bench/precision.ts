// How a bench row runs in a precision: float32 as it is, bf16 with the weights cast once and the
// forward under torch.autocast (norms, softmax inputs and reductions as libtorch's autocast runs
// them); and the peak resident memory of what follows a reset.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { torch } from '../src/index.js';

export type Precision = 'fp32' | 'bf16';

export function parsePrecision(text: string | undefined): Precision {
  if (text === 'fp32' || text === 'bf16') return text;
  throw new Error(`bench: precision must be fp32 or bf16, got ${JSON.stringify(text)}`);
}

/** Prepares an eval-mode model for inference in `precision` (bf16: weights cast once). */
export function prepare<M extends torch.nn.Module>(model: M, precision: Precision): M {
  model.eval();
  return precision === 'bf16' ? torch.castWeightsForAutocast(model, 'bfloat16') : model;
}

/** Runs `fn` in inference mode, under CPU bf16 autocast for 'bf16'. */
export function infer<T>(precision: Precision, fn: () => T): T {
  return torch.inferenceMode(() => (precision === 'bf16' ? torch.autocast({ deviceType: 'cpu', dtype: 'bfloat16' }, fn) : fn()));
}

/** Forgets the peak resident size so far (Linux: /proc/self/clear_refs), so the next peak is the work's own. */
export function resetPeakRss(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // Without it the peak is the process's whole life: still an upper bound.
  }
}

/** Peak resident size in MiB since the last reset (VmHWM), or the process's maxRSS elsewhere. */
export function peakRssMib(): number {
  if (existsSync('/proc/self/status')) {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  }
  return process.resourceUsage().maxRSS / 1024;
}
