// Reductions over all elements or along dims (negative dims count from the end), with keepdim.
import { aten } from '../dispatch.js';
import type { Tensor } from '../tensor.js';

export type Dims = number | readonly number[];
export interface ReduceOptions { keepdim?: boolean }

const sumAll = aten('sum', '', 'torch.sum');
const sumDim = aten('sum', 'dim_IntList', 'torch.sum');
const meanAll = aten('mean', '', 'torch.mean');
const meanDim = aten('mean', 'dim', 'torch.mean');
const prodAll = aten('prod', '', 'torch.prod');
const prodDim = aten('prod', 'dim_int', 'torch.prod');
const maxAll = aten('max', '', 'torch.max');
const maxDim = aten('max', 'dim', 'torch.max');
const minAll = aten('min', '', 'torch.min');
const minDim = aten('min', 'dim', 'torch.min');
const amaxOp = aten('amax', '', 'torch.amax');
const aminOp = aten('amin', '', 'torch.amin');
const argmaxOp = aten('argmax', '', 'torch.argmax');
const argminOp = aten('argmin', '', 'torch.argmin');
const varOp = aten('var', 'correction', 'torch.var');
const stdOp = aten('std', 'correction', 'torch.std');
const normOp = aten('linalg_vector_norm', '', 'torch.norm');
const logsumexpOp = aten('logsumexp', '', 'torch.logsumexp');
const cumsumOp = aten('cumsum', '', 'torch.cumsum');
const allAll = aten('all', '', 'torch.all');
const allDim = aten('all', 'dim', 'torch.all');
const anyAll = aten('any', '', 'torch.any');
const anyDim = aten('any', 'dim', 'torch.any');

const list = (dim: Dims): number[] => (typeof dim === 'number' ? [dim] : [...dim]);

export const sum = (self: Tensor, dim?: Dims, o: ReduceOptions = {}): Tensor =>
  dim === undefined ? sumAll(self) : sumDim(self, list(dim), o.keepdim ?? false);
export const mean = (self: Tensor, dim?: Dims, o: ReduceOptions = {}): Tensor =>
  dim === undefined ? meanAll(self) : meanDim(self, list(dim), o.keepdim ?? false);
export const prod = (self: Tensor, dim?: number, o: ReduceOptions = {}): Tensor =>
  dim === undefined ? prodAll(self) : prodDim(self, dim, o.keepdim ?? false);

/** Largest element; with `dim`, `{values, indices}` along it. */
export function max(self: Tensor): Tensor;
export function max(self: Tensor, dim: number, o?: ReduceOptions): { values: Tensor; indices: Tensor };
export function max(self: Tensor, dim?: number, o: ReduceOptions = {}): Tensor | { values: Tensor; indices: Tensor } {
  if (dim === undefined) return maxAll(self);
  const [values, indices] = maxDim(self, dim, o.keepdim ?? false) as Tensor[];
  return { values, indices };
}
export function min(self: Tensor): Tensor;
export function min(self: Tensor, dim: number, o?: ReduceOptions): { values: Tensor; indices: Tensor };
export function min(self: Tensor, dim?: number, o: ReduceOptions = {}): Tensor | { values: Tensor; indices: Tensor } {
  if (dim === undefined) return minAll(self);
  const [values, indices] = minDim(self, dim, o.keepdim ?? false) as Tensor[];
  return { values, indices };
}
export const amax = (self: Tensor, dim: Dims = [], o: ReduceOptions = {}): Tensor => amaxOp(self, list(dim), o.keepdim ?? false);
export const amin = (self: Tensor, dim: Dims = [], o: ReduceOptions = {}): Tensor => aminOp(self, list(dim), o.keepdim ?? false);
export const argmax = (self: Tensor, dim?: number, o: ReduceOptions = {}): Tensor => argmaxOp(self, dim ?? null, o.keepdim ?? false);
export const argmin = (self: Tensor, dim?: number, o: ReduceOptions = {}): Tensor => argminOp(self, dim ?? null, o.keepdim ?? false);

export interface VarOptions extends ReduceOptions {
  /** Bessel's correction: 1 (default, unbiased) or 0 (biased), as PyTorch's `correction`. */
  correction?: number;
}
export const variance = (self: Tensor, dim?: Dims, o: VarOptions = {}): Tensor =>
  varOp(self, dim === undefined ? null : list(dim), o.correction ?? 1, o.keepdim ?? false);
export const std = (self: Tensor, dim?: Dims, o: VarOptions = {}): Tensor =>
  stdOp(self, dim === undefined ? null : list(dim), o.correction ?? 1, o.keepdim ?? false);

/** Vector p-norm over all elements or along dims (p = 2 by default; Infinity allowed). */
export const norm = (self: Tensor, p = 2, dim?: Dims, o: ReduceOptions = {}): Tensor =>
  normOp(self, p, dim === undefined ? null : list(dim), o.keepdim ?? false);
export const logsumexp = (self: Tensor, dim: Dims, o: ReduceOptions = {}): Tensor => logsumexpOp(self, list(dim), o.keepdim ?? false);
export const cumsum = (self: Tensor, dim: number): Tensor => cumsumOp(self, dim);
export const all = (self: Tensor, dim?: number, o: ReduceOptions = {}): Tensor =>
  dim === undefined ? allAll(self) : allDim(self, dim, o.keepdim ?? false);
export const any = (self: Tensor, dim?: number, o: ReduceOptions = {}): Tensor =>
  dim === undefined ? anyAll(self) : anyDim(self, dim, o.keepdim ?? false);
