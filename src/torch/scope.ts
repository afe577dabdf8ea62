// Deterministic memory: torch.scope(fn) frees every tensor made inside fn except what fn returns
// (TorchSharp's DisposeScope, TF.js's tidy). Tensors outside every scope fall to a
// FinalizationRegistry (tensor.ts), a safety net only.
import { native } from './native.js';
import type { Tensor } from './tensor.js';

const scopes: Tensor[][] = [];

/** Called by every new Tensor: the innermost open scope owns it. False when no scope is open. */
export function track(t: Tensor): boolean {
  const current = scopes[scopes.length - 1];
  if (!current) return false;
  current.push(t);
  return true;
}

function collectTensors(value: unknown, into: Set<Tensor>, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if ((value as Tensor).isTensor === true) {
    into.add(value as Tensor);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, into, seen);
  } else if (value instanceof Map) {
    for (const v of value.values()) collectTensors(v, into, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, into, seen);
  }
}

/**
 * Runs `fn` and disposes every tensor created inside it, except the tensors it returns (directly,
 * in arrays, Maps or plain objects), which pass to the enclosing scope, and tensors marked with
 * `keep()`. Scopes are synchronous: `fn` must not return a Promise.
 *
 * @example
 * const loss = torch.scope(() => F.mseLoss(model.forward(x), y).item());
 */
export function scope<T>(fn: () => T): T {
  const mine: Tensor[] = [];
  scopes.push(mine);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    scopes.pop();
    disposeAll(mine, undefined);
    throw error;
  }
  scopes.pop();
  if (result instanceof Promise) {
    disposeAll(mine, undefined);
    throw new TypeError('torch.scope: fn returned a Promise; a scope cannot span an await. Open one scope per synchronous step.');
  }
  const returned = new Set<Tensor>();
  collectTensors(result, returned);
  disposeAll(mine, returned);
  return result;
}

/** Frees `tensors` except kept and `returned` ones (handed to the enclosing scope), in one native call. */
function disposeAll(tensors: Tensor[], returned: Set<Tensor> | undefined): void {
  const parent = scopes[scopes.length - 1];
  const handles = new Float64Array(tensors.length);
  let n = 0;
  for (const t of tensors) {
    if (returned?.has(t)) {
      // Leaving the last scope, a tensor falls to the garbage collector's safety net.
      if (parent) parent.push(t);
      else t.leaveScopes();
    } else if (!t.isKept) {
      const handle = t.release();
      if (handle !== undefined) handles[n++] = handle;
    }
  }
  if (n > 0) native().disposeMany(handles.subarray(0, n));
}
