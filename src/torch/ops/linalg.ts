// Matrix products.
import { aten } from '../dispatch.js';
import type { Tensor } from '../tensor.js';

const matmulOp = aten('matmul', '', 'torch.matmul');
const mmOp = aten('mm', '', 'torch.mm');
const bmmOp = aten('bmm', '', 'torch.bmm');
const addmmOp = aten('addmm', '', 'torch.addmm');
const baddbmmOp = aten('baddbmm', '', 'torch.baddbmm');
const outerOp = aten('outer', '', 'torch.outer');
const einsumOp = aten('einsum', '', 'torch.einsum');

/** Matrix product with NumPy-style batching and broadcasting. */
export const matmul = (a: Tensor, b: Tensor): Tensor => matmulOp(a, b);
export const mm = (a: Tensor, b: Tensor): Tensor => mmOp(a, b);
/** Batched product of [B, n, m] and [B, m, p]. */
export const bmm = (a: Tensor, b: Tensor): Tensor => bmmOp(a, b);
/** beta * self + alpha * (mat1 @ mat2). */
export const addmm = (self: Tensor, mat1: Tensor, mat2: Tensor, o: { beta?: number; alpha?: number } = {}): Tensor =>
  addmmOp(self, mat1, mat2, o.beta ?? 1, o.alpha ?? 1);
export const baddbmm = (self: Tensor, b1: Tensor, b2: Tensor, o: { beta?: number; alpha?: number } = {}): Tensor =>
  baddbmmOp(self, b1, b2, o.beta ?? 1, o.alpha ?? 1);
export const outer = (a: Tensor, b: Tensor): Tensor => outerOp(a, b);
export const einsum = (equation: string, ...tensors: Tensor[]): Tensor => einsumOp(equation, tensors);
