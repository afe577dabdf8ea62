// The Tensor: a JS handle on a libtorch tensor. Methods are thin aliases of the functions in
// ops/ (one implementation, two spellings); autograd and readback talk to the addon directly.
import { aten } from './dispatch.js';
import type { Device } from './device.js';
import { dtypeCode, dtypeFromCode, dtypes, typedArrayOf, type DType, type TypedArray } from './dtype.js';
import { native, type Handle } from './native.js';
import * as linalg from './ops/linalg.js';
import * as pw from './ops/pointwise.js';
import type { TensorOrScalar } from './ops/pointwise.js';
import * as red from './ops/reduction.js';
import type { Dims, ReduceOptions, VarOptions } from './ops/reduction.js';
import * as sh from './ops/shape.js';
import { track } from './scope.js';

const toDtypeOp = aten('to', 'dtype', 'Tensor.to');
const toDeviceOp = aten('to', 'device', 'Tensor.to');
const copyOp = aten('copy_', '', 'Tensor.copy_');
const zeroOp = aten('zero_', '', 'Tensor.zero_');
const fillOp = aten('fill_', 'Scalar', 'Tensor.fill_');
const uniformOp = aten('uniform_', '', 'Tensor.uniform_');
const normalOp = aten('normal_', '', 'Tensor.normal_');
const addcmulInPlace = aten('addcmul_', '', 'Tensor.addcmul_');
const addcdivInPlace = aten('addcdiv_', '', 'Tensor.addcdiv_');
const lerpInPlace = aten('lerp_', 'Scalar', 'Tensor.lerp_');
const sqrtInPlace = aten('sqrt_', '', 'Tensor.sqrt_');
const sigmoidInPlace = aten('sigmoid_', '', 'Tensor.sigmoid_');
const reluInPlace = aten('relu_', '', 'Tensor.relu_');

export type NestedArray = number | boolean | NestedArray[];

// The safety net: tensors outside every scope are freed when garbage-collected. Scoped tensors
// skip it (registering costs ~0.5 us, as much as a small op). VLSM_DEBUG_TENSORS=1 reports each
// tensor the collector had to free, with where it was created.
const debugLeaks = process.env.VLSM_DEBUG_TENSORS === '1';
type Held = Handle | { handle: Handle; createdAt: string };
const collector = new FinalizationRegistry<Held>((held) => {
  const handle = typeof held === 'number' ? held : held.handle;
  if (native().dispose(handle) && typeof held !== 'number') {
    console.warn(`vlsm: a tensor was freed by the garbage collector; dispose it or create it in torch.scope. Created ${held.createdAt}`);
  }
});

export class Tensor {
  /** Lets scopes and type guards recognise a Tensor without instanceof across module copies (on the prototype). */
  declare readonly isTensor: true;
  #handle: Handle | undefined;
  #kept = false;
  #collected = false;
  #shape: number[] | undefined;
  #dtype: DType | undefined;
  #device: string | undefined;

  /** Wraps a native handle; the current scope (if any) takes ownership. */
  constructor(handle: Handle) {
    this.#handle = handle;
    if (!track(this)) this.leaveScopes();
  }

  /** Hands the tensor to the garbage collector's safety net; scopes call this. */
  leaveScopes(): void {
    if (this.#collected || this.#handle === undefined) return;
    this.#collected = true;
    const held: Held = debugLeaks ? { handle: this.#handle, createdAt: new Error().stack?.split('\n').slice(2).join('\n') ?? '' } : this.#handle;
    collector.register(this, held, this);
  }

  /** The native handle; throws once the tensor is disposed. */
  get handle(): Handle {
    if (this.#handle === undefined) {
      throw new Error('Tensor: used after dispose() (or after the torch.scope that owned it ended); keep it with torch.keep() or return it from the scope');
    }
    return this.#handle;
  }

  get isDisposed(): boolean {
    return this.#handle === undefined;
  }

  /** True once `keep()` removed it from scope ownership. */
  get isKept(): boolean {
    return this.#kept;
  }

  /** Frees the libtorch tensor now. Safe to call twice. */
  dispose(): void {
    const handle = this.release();
    if (handle !== undefined) native().dispose(handle);
  }

  /**
   * Forgets the handle without freeing it and returns it, for a caller that frees many at once
   * (scopes); undefined when already disposed.
   */
  release(): Handle | undefined {
    const handle = this.#handle;
    if (handle === undefined) return undefined;
    this.#handle = undefined;
    if (this.#collected) collector.unregister(this);
    return handle;
  }

  /** Removes the tensor from scope ownership: it lives until `dispose()` or garbage collection. */
  keep(): this {
    this.#kept = true;
    this.leaveScopes();
    return this;
  }

  #loadMeta(): void {
    const [shape, code, device] = native().meta(this.handle);
    this.#shape = shape;
    this.#dtype = dtypeFromCode(code);
    this.#device = device;
  }

  get shape(): number[] {
    if (!this.#shape) this.#loadMeta();
    return [...this.#shape!];
  }
  get dtype(): DType {
    if (!this.#dtype) this.#loadMeta();
    return this.#dtype!;
  }
  get device(): Device {
    if (!this.#device) this.#loadMeta();
    return this.#device!;
  }
  get ndim(): number {
    if (!this.#shape) this.#loadMeta();
    return this.#shape!.length;
  }
  /** Size of one dim (negative counts from the end), or the whole shape. */
  size(dim: number): number {
    const shape = this.shape;
    const d = dim < 0 ? dim + shape.length : dim;
    if (d < 0 || d >= shape.length) throw new RangeError(`Tensor.size: dim ${dim} out of range for a ${shape.length}-d tensor`);
    return shape[d];
  }
  numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  get strides(): number[] {
    return native().strides(this.handle);
  }

  // ---- readback ---------------------------------------------------------------------------

  /** The elements, row-major, in a typed array of this dtype (float16/bfloat16 read as float32). */
  data(): TypedArray {
    if (this.dtype === 'float16' || this.dtype === 'bfloat16') {
      const f = this.to('float32');
      try {
        return f.data();
      } finally {
        f.dispose();
      }
    }
    return typedArrayOf(this.dtype, native().toBytes(this.handle));
  }

  /** The raw bytes of the elements, row-major, on the CPU. */
  bytes(): ArrayBuffer {
    return native().toBytes(this.handle);
  }

  /** Nested arrays of numbers (booleans for bool tensors), like PyTorch's `tolist()`. */
  toArray(): NestedArray {
    const flat = this.data();
    const values: (number | boolean)[] =
      flat instanceof BigInt64Array ? Array.from(flat, Number) : this.dtype === 'bool' ? Array.from(flat as Uint8Array, (v) => v !== 0) : Array.from(flat as Float32Array);
    const shape = this.shape;
    if (shape.length === 0) return values[0];
    let offset = 0;
    const build = (depth: number): NestedArray[] => {
      const out: NestedArray[] = [];
      for (let i = 0; i < shape[depth]; i++) out.push(depth === shape.length - 1 ? values[offset++] : build(depth + 1));
      return out;
    };
    return build(0);
  }
  tolist(): NestedArray {
    return this.toArray();
  }

  /** The single element as a number (or boolean). */
  item(): number {
    return native().item(this.handle) as number;
  }

  toString(): string {
    if (this.isDisposed) return 'Tensor(disposed)';
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  // ---- conversion -------------------------------------------------------------------------

  /** A tensor of another dtype or on another device (itself when nothing changes, as PyTorch). */
  to(target: DType | Device | { dtype?: DType; device?: Device }): Tensor {
    const spec = typeof target === 'string' ? (isDType(target) ? { dtype: target } : { device: target }) : target;
    if (spec.device !== undefined && spec.device !== this.device) {
      return toDeviceOp(this, spec.device, dtypeCode(spec.dtype ?? this.dtype));
    }
    if (spec.dtype !== undefined && spec.dtype !== this.dtype) return toDtypeOp(this, dtypeCode(spec.dtype));
    return toDtypeOp(this, dtypeCode(this.dtype));
  }
  float(): Tensor { return this.to('float32'); }
  double(): Tensor { return this.to('float64'); }
  long(): Tensor { return this.to('int64'); }
  int(): Tensor { return this.to('int32'); }
  bool(): Tensor { return this.to('bool'); }
  cpu(): Tensor { return this.to('cpu'); }
  cuda(index = 0): Tensor { return this.to(`cuda:${index}`); }
  contiguous(): Tensor { return sh.contiguous(this); }
  clone(): Tensor { return sh.clone(this); }
  /** A tensor sharing storage but cut from the autograd graph. */
  detach(): Tensor { return sh.detach(this); }

  // ---- autograd ---------------------------------------------------------------------------

  get requiresGrad(): boolean {
    return native().meta(this.handle)[3];
  }
  /** Sets requiresGrad in place (leaf tensors only) and returns this tensor. */
  requiresGrad_(value = true): this {
    native().setRequiresGrad(this.handle, value);
    return this;
  }
  /** The accumulated gradient, or undefined. Each read returns a new handle on the same gradient. */
  get grad(): Tensor | undefined {
    const g = native().grad(this.handle);
    return g === undefined ? undefined : new Tensor(g);
  }
  set grad(value: Tensor | undefined | null) {
    native().setGrad(this.handle, value ? value.handle : null);
  }
  get isLeaf(): boolean {
    return native().isLeaf(this.handle);
  }
  /** Name of the autograd node that produced this tensor (e.g. 'AddBackward0'), if any. */
  get gradFn(): string | undefined {
    return native().gradFnName(this.handle);
  }
  retainGrad(): void {
    native().retainGrad(this.handle);
  }
  /** Back-propagates from this tensor into the `.grad` of every leaf that requires grad. */
  backward(gradient?: Tensor, options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    try {
      native().backward(this.handle, gradient?.handle, options.retainGraph, options.createGraph ?? false);
    } catch (cause) {
      throw new Error(`Tensor.backward on ${this.toString()}: ${(cause as Error).message}`, { cause });
    }
  }

  // ---- in-place -----------------------------------------------------------------------------

  copy_(src: Tensor): this { copyOp.inPlace(this, src); return this; }
  zero_(): this { zeroOp.inPlace(this); return this; }
  fill_(value: number | boolean): this { fillOp.inPlace(this, value); return this; }
  uniform_(from = 0, to = 1): this { uniformOp.inPlace(this, from, to); return this; }
  normal_(mean = 0, std = 1): this { normalOp.inPlace(this, mean, std); return this; }
  add_(other: TensorOrScalar, alpha = 1): this { pw.add.inPlace(this, other, alpha); return this; }
  sub_(other: TensorOrScalar, alpha = 1): this { pw.sub.inPlace(this, other, alpha); return this; }
  mul_(other: TensorOrScalar): this { pw.mul.inPlace(this, other); return this; }
  div_(other: TensorOrScalar): this { pw.div.inPlace(this, other); return this; }
  clamp_(min?: number, max?: number): this { pw.clampInPlace(this, min, max); return this; }
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this { addcmulInPlace.inPlace(this, t1, t2, value); return this; }
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this { addcdivInPlace.inPlace(this, t1, t2, value); return this; }
  lerp_(end: Tensor, weight: number): this { lerpInPlace.inPlace(this, end, weight); return this; }
  sqrt_(): this { sqrtInPlace.inPlace(this); return this; }
  sigmoid_(): this { sigmoidInPlace.inPlace(this); return this; }
  relu_(): this { reluInPlace.inPlace(this); return this; }
  maskedFill_(mask: Tensor, value: number): this { sh.maskedFill_(this, mask, value); return this; }
  indexPut_(indices: readonly (Tensor | null)[], values: Tensor, accumulate = false): this { sh.indexPut_(this, indices, values, accumulate); return this; }

  // ---- elementwise --------------------------------------------------------------------------

  add(other: TensorOrScalar, alpha = 1): Tensor { return pw.add(this, other, alpha); }
  sub(other: TensorOrScalar, alpha = 1): Tensor { return pw.sub(this, other, alpha); }
  /** `other - this`. */
  rsub(other: number): Tensor { return pw.rsub(this, other); }
  mul(other: TensorOrScalar): Tensor { return pw.mul(this, other); }
  div(other: TensorOrScalar, roundingMode?: 'trunc' | 'floor'): Tensor {
    return roundingMode ? pw.divRounded(this, other, roundingMode) : pw.div(this, other);
  }
  remainder(other: TensorOrScalar): Tensor { return pw.remainder(this, other); }
  pow(exponent: TensorOrScalar): Tensor { return pw.pow(this, exponent); }
  neg(): Tensor { return pw.neg(this); }
  abs(): Tensor { return pw.abs(this); }
  sign(): Tensor { return pw.sign(this); }
  exp(): Tensor { return pw.exp(this); }
  expm1(): Tensor { return pw.expm1(this); }
  log(): Tensor { return pw.log(this); }
  log1p(): Tensor { return pw.log1p(this); }
  log2(): Tensor { return pw.log2(this); }
  sqrt(): Tensor { return pw.sqrt(this); }
  rsqrt(): Tensor { return pw.rsqrt(this); }
  square(): Tensor { return pw.square(this); }
  reciprocal(): Tensor { return pw.reciprocal(this); }
  sin(): Tensor { return pw.sin(this); }
  cos(): Tensor { return pw.cos(this); }
  tanh(): Tensor { return pw.tanh(this); }
  sigmoid(): Tensor { return pw.sigmoid(this); }
  erf(): Tensor { return pw.erf(this); }
  floor(): Tensor { return pw.floor(this); }
  ceil(): Tensor { return pw.ceil(this); }
  round(): Tensor { return pw.round(this); }
  relu(): Tensor { return pw.relu(this); }
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor { return pw.gelu(this, approximate); }
  softmax(dim: number): Tensor { return pw.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return pw.logSoftmax(this, dim); }
  clamp(min?: TensorOrScalar, max?: TensorOrScalar): Tensor { return pw.clamp(this, min, max); }
  lerp(end: Tensor, weight: TensorOrScalar): Tensor { return pw.lerp(this, end, weight); }
  maximum(other: Tensor): Tensor { return pw.maximum(this, other); }
  minimum(other: Tensor): Tensor { return pw.minimum(this, other); }
  eq(other: TensorOrScalar): Tensor { return pw.eq(this, other); }
  ne(other: TensorOrScalar): Tensor { return pw.ne(this, other); }
  lt(other: TensorOrScalar): Tensor { return pw.lt(this, other); }
  le(other: TensorOrScalar): Tensor { return pw.le(this, other); }
  gt(other: TensorOrScalar): Tensor { return pw.gt(this, other); }
  ge(other: TensorOrScalar): Tensor { return pw.ge(this, other); }
  logicalAnd(other: Tensor): Tensor { return pw.logicalAnd(this, other); }
  logicalOr(other: Tensor): Tensor { return pw.logicalOr(this, other); }
  logicalXor(other: Tensor): Tensor { return pw.logicalXor(this, other); }
  logicalNot(): Tensor { return pw.logicalNot(this); }
  isnan(): Tensor { return pw.isnan(this); }
  isfinite(): Tensor { return pw.isfinite(this); }
  /** `condition ? this : other`, elementwise. */
  where(condition: Tensor, other: TensorOrScalar): Tensor { return pw.where(condition, this, other); }

  // ---- reductions ---------------------------------------------------------------------------

  sum(dim?: Dims, o?: ReduceOptions): Tensor { return red.sum(this, dim, o); }
  mean(dim?: Dims, o?: ReduceOptions): Tensor { return red.mean(this, dim, o); }
  prod(dim?: number, o?: ReduceOptions): Tensor { return red.prod(this, dim, o); }
  max(): Tensor;
  max(dim: number, o?: ReduceOptions): { values: Tensor; indices: Tensor };
  max(dim?: number, o?: ReduceOptions): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? red.max(this) : red.max(this, dim, o);
  }
  min(): Tensor;
  min(dim: number, o?: ReduceOptions): { values: Tensor; indices: Tensor };
  min(dim?: number, o?: ReduceOptions): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? red.min(this) : red.min(this, dim, o);
  }
  amax(dim?: Dims, o?: ReduceOptions): Tensor { return red.amax(this, dim, o); }
  amin(dim?: Dims, o?: ReduceOptions): Tensor { return red.amin(this, dim, o); }
  argmax(dim?: number, o?: ReduceOptions): Tensor { return red.argmax(this, dim, o); }
  argmin(dim?: number, o?: ReduceOptions): Tensor { return red.argmin(this, dim, o); }
  var(dim?: Dims, o?: VarOptions): Tensor { return red.variance(this, dim, o); }
  std(dim?: Dims, o?: VarOptions): Tensor { return red.std(this, dim, o); }
  norm(p = 2, dim?: Dims, o?: ReduceOptions): Tensor { return red.norm(this, p, dim, o); }
  logsumexp(dim: Dims, o?: ReduceOptions): Tensor { return red.logsumexp(this, dim, o); }
  cumsum(dim: number): Tensor { return red.cumsum(this, dim); }
  all(dim?: number, o?: ReduceOptions): Tensor { return red.all(this, dim, o); }
  any(dim?: number, o?: ReduceOptions): Tensor { return red.any(this, dim, o); }

  // ---- products -----------------------------------------------------------------------------

  matmul(other: Tensor): Tensor { return linalg.matmul(this, other); }
  mm(other: Tensor): Tensor { return linalg.mm(this, other); }
  bmm(other: Tensor): Tensor { return linalg.bmm(this, other); }

  // ---- shape and indexing -------------------------------------------------------------------

  view(...shape: number[] | [readonly number[]]): Tensor { return sh.view(this, shapeArg(shape)); }
  reshape(...shape: number[] | [readonly number[]]): Tensor { return sh.reshape(this, shapeArg(shape)); }
  viewAs(other: Tensor): Tensor { return sh.view(this, other.shape); }
  permute(...dims: number[] | [readonly number[]]): Tensor { return sh.permute(this, shapeArg(dims)); }
  transpose(dim0: number, dim1: number): Tensor { return sh.transpose(this, dim0, dim1); }
  /** Transpose of a 2-d tensor. */
  t(): Tensor { return sh.transpose(this, 0, 1); }
  flatten(startDim = 0, endDim = -1): Tensor { return sh.flatten(this, startDim, endDim); }
  unflatten(dim: number, sizes: readonly number[]): Tensor { return sh.unflatten(this, dim, sizes); }
  unsqueeze(dim: number): Tensor { return sh.unsqueeze(this, dim); }
  squeeze(dim?: number): Tensor { return sh.squeeze(this, dim); }
  expand(...shape: number[] | [readonly number[]]): Tensor { return sh.expand(this, shapeArg(shape)); }
  expandAs(other: Tensor): Tensor { return sh.expand(this, other.shape); }
  repeat(...repeats: number[] | [readonly number[]]): Tensor { return sh.repeat(this, shapeArg(repeats)); }
  repeatInterleave(repeats: number, dim?: number): Tensor { return sh.repeatInterleave(this, repeats, dim); }
  split(size: number | readonly number[], dim = 0): Tensor[] { return sh.split(this, size, dim); }
  chunk(chunks: number, dim = 0): Tensor[] { return sh.chunk(this, chunks, dim); }
  unbind(dim = 0): Tensor[] { return sh.unbind(this, dim); }
  narrow(dim: number, start: number, length: number): Tensor { return sh.narrow(this, dim, start, length); }
  slice(dim: number, start?: number, end?: number, step = 1): Tensor { return sh.slice(this, dim, start, end, step); }
  select(dim: number, index: number): Tensor { return sh.select(this, dim, index); }
  indexSelect(dim: number, index: Tensor): Tensor { return sh.indexSelect(this, dim, index); }
  index(indices: readonly (Tensor | null)[]): Tensor { return sh.index(this, indices); }
  gather(dim: number, index: Tensor): Tensor { return sh.gather(this, dim, index); }
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor { return sh.scatter(this, dim, index, src); }
  maskedFill(mask: Tensor, value: Tensor | number): Tensor { return sh.maskedFill(this, mask, value); }
  maskedSelect(mask: Tensor): Tensor { return sh.maskedSelect(this, mask); }
  flip(dims: readonly number[]): Tensor { return sh.flip(this, dims); }
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor { return sh.roll(this, shifts, dims); }
  tril(diagonal = 0): Tensor { return sh.tril(this, diagonal); }
  triu(diagonal = 0): Tensor { return sh.triu(this, diagonal); }
  nonzero(): Tensor { return sh.nonzero(this); }
  sort(dim = -1, descending = false): { values: Tensor; indices: Tensor } { return sh.sort(this, dim, descending); }
  topk(k: number, dim = -1, largest = true): { values: Tensor; indices: Tensor } { return sh.topk(this, k, dim, largest); }
}

Object.defineProperty(Tensor.prototype, 'isTensor', { value: true });

function shapeArg(args: number[] | [readonly number[]]): readonly number[] {
  return args.length === 1 && Array.isArray(args[0]) ? args[0] : (args as number[]);
}

function isDType(s: string): s is DType {
  return (dtypes as readonly string[]).includes(s);
}

/** True for a Tensor. */
export const isTensor = (value: unknown): value is Tensor => typeof value === 'object' && value !== null && (value as Tensor).isTensor === true;
