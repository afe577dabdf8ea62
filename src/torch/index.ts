// vlsm's torch: PyTorch's names in camelCase over libtorch. `import { torch } from 'vlsm'`.
export { Tensor, isTensor, type NestedArray } from './tensor.js';
export { dtypes, type DType } from './dtype.js';
export { cuda, type Device, type TensorOptions } from './device.js';
export { cpu, type CpuMemoryStats } from './cpu.js';
export { scope } from './scope.js';
export { noGrad, enableGrad, inferenceMode, isGradEnabled, isInferenceModeEnabled } from './autograd.js';
export { autocast, autocastState, isAutocastEnabled, type AutocastOptions, type AutocastDeviceType, type AutocastDType } from './amp/autocast.js';
export { castWeightsForAutocast } from './amp/autocast-weights.js';
export { manualSeed, getRngState, setRngState } from './random.js';
export { gradcheck, type GradcheckOptions } from './gradcheck.js';
export { setNumThreads, getNumThreads, memory, version, info } from './runtime.js';
export * from './ops/creation.js';
export {
  add, sub, rsub, mul, div, remainder, pow, maximum, minimum, eq, ne, lt, le, gt, ge,
  logicalAnd, logicalOr, logicalXor, logicalNot, where, clamp, neg, abs, sign, exp, expm1, log, log1p, log2,
  sqrt, rsqrt, square, reciprocal, sin, cos, tanh, sigmoid, erf, erfinv, floor, ceil, round, trunc, isnan, isfinite,
  relu, softmax, logSoftmax, lerp, addcmul, addcdiv,
} from './ops/pointwise.js';
export { sum, mean, prod, max, min, amax, amin, argmax, argmin, variance as var, std, norm, logsumexp, cumsum, all, any } from './ops/reduction.js';
export * from './ops/linalg.js';
export {
  view, reshape, permute, transpose, flatten, unflatten, unsqueeze, squeeze, expand, repeat, repeatInterleave, cat, stack,
  split, chunk, unbind, narrow, slice, select, indexSelect, index, gather, scatter, scatterAdd, maskedFill, maskedSelect,
  flip, roll, tril, triu, nonzero, clone, detach, sort, topk,
} from './ops/shape.js';
export * as F from './functional.js';
import { Tensor } from './tensor.js';

/** Marks tensors to outlive the enclosing scope; returns its argument. */
export function keep<T extends Tensor | readonly Tensor[]>(t: T): T {
  if (Array.isArray(t)) for (const x of t) x.keep();
  else (t as Tensor).keep();
  return t;
}

/** Disposes tensors now. */
export function dispose(...tensors: (Tensor | readonly Tensor[] | undefined)[]): void {
  for (const t of tensors.flat()) t?.dispose();
}
export * as nn from './nn/index.js';
export * as io from './io/index.js';
export * as optim from './optim/index.js';
export * as amp from './amp/index.js';
