// Gradient modes. Each runs `fn` with the mode set and restores the previous mode afterwards,
// even on throw. Like scopes, they are synchronous.
import { native } from './native.js';

function rejectPromise(name: string, result: unknown): void {
  if (result instanceof Promise) throw new TypeError(`torch.${name}: fn returned a Promise; the mode cannot span an await`);
}

/** Runs `fn` without recording operations for autograd (torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  const previous = native().setGradEnabled(false);
  try {
    const result = fn();
    rejectPromise('noGrad', result);
    return result;
  } finally {
    native().setGradEnabled(previous);
  }
}

/** Runs `fn` with gradient recording on, inside a noGrad region (torch.enable_grad). */
export function enableGrad<T>(fn: () => T): T {
  const previous = native().setGradEnabled(true);
  try {
    const result = fn();
    rejectPromise('enableGrad', result);
    return result;
  } finally {
    native().setGradEnabled(previous);
  }
}

/**
 * Runs `fn` in inference mode (torch.inference_mode): no autograd and no version counting, the
 * fastest way to run a model. Tensors made inside cannot later be used in autograd.
 */
export function inferenceMode<T>(fn: () => T): T {
  native().enterInferenceMode();
  try {
    const result = fn();
    rejectPromise('inferenceMode', result);
    return result;
  } finally {
    native().exitInferenceMode();
  }
}

export const isGradEnabled = (): boolean => native().isGradEnabled();
export const isInferenceModeEnabled = (): boolean => native().isInferenceMode();
