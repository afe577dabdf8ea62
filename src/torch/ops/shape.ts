// Views, reshapes, joins, splits and indexing. View ops share storage with their input, as in PyTorch.
import { aten } from '../dispatch.js';
import type { Tensor } from '../tensor.js';

const viewOp = aten('view', '', 'Tensor.view');
const reshapeOp = aten('reshape', '', 'torch.reshape');
const permuteOp = aten('permute', '', 'torch.permute');
const transposeOp = aten('transpose', 'int', 'torch.transpose');
const flattenOp = aten('flatten', 'using_ints', 'torch.flatten');
const unflattenOp = aten('unflatten', 'int', 'torch.unflatten');
const unsqueezeOp = aten('unsqueeze', '', 'torch.unsqueeze');
const squeezeAll = aten('squeeze', '', 'torch.squeeze');
const squeezeDim = aten('squeeze', 'dim', 'torch.squeeze');
const expandOp = aten('expand', '', 'Tensor.expand');
const repeatOp = aten('repeat', '', 'Tensor.repeat');
const repeatInterleaveOp = aten('repeat_interleave', 'self_int', 'torch.repeatInterleave');
const catOp = aten('cat', '', 'torch.cat');
const stackOp = aten('stack', '', 'torch.stack');
const splitOp = aten('split', 'Tensor', 'torch.split');
const splitSizesOp = aten('split_with_sizes', '', 'torch.split');
const chunkOp = aten('chunk', '', 'torch.chunk');
const unbindOp = aten('unbind', 'int', 'torch.unbind');
const narrowOp = aten('narrow', '', 'torch.narrow');
const sliceOp = aten('slice', 'Tensor', 'Tensor.slice');
const selectOp = aten('select', 'int', 'Tensor.select');
const indexSelectOp = aten('index_select', '', 'torch.indexSelect');
const indexOp = aten('index', 'Tensor', 'Tensor.index');
const indexPutOp = aten('index_put_', '', 'Tensor.indexPut_');
const gatherOp = aten('gather', '', 'torch.gather');
const scatterSrc = aten('scatter', 'src', 'torch.scatter');
const scatterValue = aten('scatter', 'value', 'torch.scatter');
const scatterAddOp = aten('scatter_add', '', 'torch.scatterAdd');
const maskedFillScalar = aten('masked_fill', 'Scalar', 'Tensor.maskedFill');
const maskedFillTensor = aten('masked_fill', 'Tensor', 'Tensor.maskedFill');
const maskedFillScalar_ = aten('masked_fill_', 'Scalar', 'Tensor.maskedFill_');
const maskedSelectOp = aten('masked_select', '', 'torch.maskedSelect');
const padOp = aten('pad', '', 'F.pad');
const flipOp = aten('flip', '', 'torch.flip');
const rollOp = aten('roll', '', 'torch.roll');
const trilOp = aten('tril', '', 'torch.tril');
const triuOp = aten('triu', '', 'torch.triu');
const nonzeroOp = aten('nonzero', '', 'torch.nonzero');
const contiguousOp = aten('contiguous', '', 'Tensor.contiguous');
const cloneOp = aten('clone', '', 'Tensor.clone');
const detachOp = aten('detach', '', 'Tensor.detach');
const sortOp = aten('sort', '', 'torch.sort');
const topkOp = aten('topk', '', 'torch.topk');

/** A view with a new shape (one dimension may be -1); fails when the strides do not allow it. */
export const view = (self: Tensor, shape: readonly number[]): Tensor => viewOp(self, shape);
/** Like view, but copies when a view is impossible. */
export const reshape = (self: Tensor, shape: readonly number[]): Tensor => reshapeOp(self, shape);
export const permute = (self: Tensor, dims: readonly number[]): Tensor => permuteOp(self, dims);
export const transpose = (self: Tensor, dim0: number, dim1: number): Tensor => transposeOp(self, dim0, dim1);
export const flatten = (self: Tensor, startDim = 0, endDim = -1): Tensor => flattenOp(self, startDim, endDim);
export const unflatten = (self: Tensor, dim: number, sizes: readonly number[]): Tensor => unflattenOp(self, dim, sizes);
export const unsqueeze = (self: Tensor, dim: number): Tensor => unsqueezeOp(self, dim);
export const squeeze = (self: Tensor, dim?: number): Tensor => (dim === undefined ? squeezeAll(self) : squeezeDim(self, dim));
/** Broadcasts size-1 dims to `shape` without copying; -1 keeps a dim. */
export const expand = (self: Tensor, shape: readonly number[]): Tensor => expandOp(self, shape);
/** Tiles the tensor `repeats[i]` times along dim i (copies). */
export const repeat = (self: Tensor, repeats: readonly number[]): Tensor => repeatOp(self, repeats);
export const repeatInterleave = (self: Tensor, repeats: number, dim?: number): Tensor => repeatInterleaveOp(self, repeats, dim ?? null);
export const cat = (tensors: readonly Tensor[], dim = 0): Tensor => catOp(tensors, dim);
export const stack = (tensors: readonly Tensor[], dim = 0): Tensor => stackOp(tensors, dim);
/** Pieces of `size` (a number) or of the given sizes (an array) along `dim`. */
export const split = (self: Tensor, size: number | readonly number[], dim = 0): Tensor[] =>
  typeof size === 'number' ? splitOp(self, size, dim) : splitSizesOp(self, size, dim);
export const chunk = (self: Tensor, chunks: number, dim = 0): Tensor[] => chunkOp(self, chunks, dim);
export const unbind = (self: Tensor, dim = 0): Tensor[] => unbindOp(self, dim);
export const narrow = (self: Tensor, dim: number, start: number, length: number): Tensor => narrowOp(self, dim, start, length);
/** Python's `x[..., start:end:step]` along one dim; bounds may be negative or omitted. */
export const slice = (self: Tensor, dim: number, start?: number, end?: number, step = 1): Tensor =>
  sliceOp(self, dim, start ?? null, end ?? null, step);
/** Python's `x[..., index]` along one dim: removes that dim. */
export const select = (self: Tensor, dim: number, index: number): Tensor => selectOp(self, dim, index);
export const indexSelect = (self: Tensor, dim: number, index: Tensor): Tensor => indexSelectOp(self, dim, index);
/** Advanced indexing, `x[i0, i1, ...]` with index tensors (null skips a dim). */
export const index = (self: Tensor, indices: readonly (Tensor | null)[]): Tensor => indexOp(self, indices);
export const indexPut_ = (self: Tensor, indices: readonly (Tensor | null)[], values: Tensor, accumulate = false): void =>
  indexPutOp.inPlace(self, indices, values, accumulate);
export const gather = (self: Tensor, dim: number, index: Tensor): Tensor => gatherOp(self, dim, index);
export const scatter = (self: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor =>
  typeof src === 'number' ? scatterValue(self, dim, index, src) : scatterSrc(self, dim, index, src);
export const scatterAdd = (self: Tensor, dim: number, index: Tensor, src: Tensor): Tensor => scatterAddOp(self, dim, index, src);
/** `value` where `mask` is true (mask broadcasts), `self` elsewhere. */
export const maskedFill = (self: Tensor, mask: Tensor, value: Tensor | number): Tensor =>
  typeof value === 'number' ? maskedFillScalar(self, mask, value) : maskedFillTensor(self, mask, value);
export const maskedFill_ = (self: Tensor, mask: Tensor, value: number): void => maskedFillScalar_.inPlace(self, mask, value);
export const maskedSelect = (self: Tensor, mask: Tensor): Tensor => maskedSelectOp(self, mask);

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';
/** Pads the last dims: `pad` is [left, right, top, bottom, ...] from the last dim backwards, as F.pad. */
export const pad = (self: Tensor, padding: readonly number[], mode: PadMode = 'constant', value = 0): Tensor =>
  padOp(self, padding, mode, mode === 'constant' ? value : null);
export const flip = (self: Tensor, dims: readonly number[]): Tensor => flipOp(self, dims);
export const roll = (self: Tensor, shifts: number | readonly number[], dims: number | readonly number[] = []): Tensor =>
  rollOp(self, typeof shifts === 'number' ? [shifts] : shifts, typeof dims === 'number' ? [dims] : dims);
export const tril = (self: Tensor, diagonal = 0): Tensor => trilOp(self, diagonal);
export const triu = (self: Tensor, diagonal = 0): Tensor => triuOp(self, diagonal);
export const nonzero = (self: Tensor): Tensor => nonzeroOp(self);
export const contiguous = (self: Tensor): Tensor => contiguousOp(self);
export const clone = (self: Tensor): Tensor => cloneOp(self);
export const detach = (self: Tensor): Tensor => detachOp(self);
export function sort(self: Tensor, dim = -1, descending = false): { values: Tensor; indices: Tensor } {
  const [values, indices] = sortOp(self, dim, descending) as Tensor[];
  return { values, indices };
}
export function topk(self: Tensor, k: number, dim = -1, largest = true): { values: Tensor; indices: Tensor } {
  const [values, indices] = topkOp(self, k, dim, largest, true) as Tensor[];
  return { values, indices };
}
