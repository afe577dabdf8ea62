// Tensor creation: from JS data, constant fills, ranges and seeded random draws.
import { aten } from '../dispatch.js';
import { dtypeCode, dtypeOfTypedArray, type DType } from '../dtype.js';
import type { TensorOptions } from '../device.js';
import { native } from '../native.js';
import { Tensor } from '../tensor.js';

type Nested = number | boolean | readonly Nested[];

const zerosOp = aten('zeros', '', 'torch.zeros');
const onesOp = aten('ones', '', 'torch.ones');
const fullOp = aten('full', '', 'torch.full');
const emptyOp = aten('empty', 'memory_format', 'torch.empty');
const arangeOp = aten('arange', 'start_step', 'torch.arange');
const linspaceOp = aten('linspace', '', 'torch.linspace');
const randOp = aten('rand', '', 'torch.rand');
const randnOp = aten('randn', '', 'torch.randn');
const randintOp = aten('randint', 'low', 'torch.randint');
const randpermOp = aten('randperm', '', 'torch.randperm');
const eyeOp = aten('eye', '', 'torch.eye');
const normalOp = aten('normal', 'float_float', 'torch.normal');

const code = (dtype: DType | undefined): number | undefined => (dtype === undefined ? undefined : dtypeCode(dtype));

function finish(t: Tensor, options: TensorOptions | undefined): Tensor {
  if (options?.requiresGrad) t.requiresGrad_(true);
  return t;
}

function flatten(data: Nested, shape: number[], out: (number | boolean)[], depth: number): void {
  if (Array.isArray(data)) {
    if (shape.length === depth) shape.push(data.length);
    else if (shape[depth] !== data.length) {
      throw new TypeError(`torch.tensor: ragged nested array: expected length ${shape[depth]} at depth ${depth}, got ${data.length}`);
    }
    for (const item of data) flatten(item, shape, out, depth + 1);
  } else {
    if (depth !== shape.length) throw new TypeError(`torch.tensor: ragged nested array: a number at depth ${depth}, expected depth ${shape.length}`);
    out.push(data as number | boolean);
  }
}

function fillTyped(values: (number | boolean)[], dtype: DType): ArrayBufferView {
  const numbers = values.map(Number);
  switch (dtype) {
    case 'float64': return Float64Array.from(numbers);
    case 'int64': return BigInt64Array.from(numbers.map((v) => BigInt(Math.trunc(v))));
    case 'int32': return Int32Array.from(numbers);
    case 'int16': return Int16Array.from(numbers);
    case 'int8': return Int8Array.from(numbers);
    case 'uint8': case 'bool': return Uint8Array.from(numbers.map((v) => (dtype === 'bool' ? (v ? 1 : 0) : v)));
    default: return Float32Array.from(numbers);
  }
}

/**
 * A tensor from a number, nested arrays, or a typed array (with `shape`, default 1-D).
 * Nested numbers become float32 unless `dtype` says otherwise (JS cannot tell 1 from 1.0);
 * nested booleans become bool; typed arrays keep their element type.
 *
 * @example torch.tensor([[1, 2], [3, 4]], { dtype: 'float64' })
 */
export function tensor(data: Nested | ArrayBufferView, options: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  let bytes: ArrayBufferView;
  let shape: number[];
  let dtype: DType;
  if (ArrayBuffer.isView(data)) {
    const own = dtypeOfTypedArray(data);
    const length = (data as unknown as { length: number }).length;
    shape = options.shape ? [...options.shape] : [length];
    const wanted = shape.reduce((a, b) => a * b, 1);
    if (wanted !== length) throw new RangeError(`torch.tensor: shape [${shape.join(', ')}] holds ${wanted} elements, the ${data.constructor.name} has ${length}`);
    dtype = own;
    bytes = data;
  } else {
    const flat: (number | boolean)[] = [];
    shape = [];
    flatten(data, shape, flat, 0);
    if (options.shape) {
      // An explicit shape re-reads the same elements in row-major order, as for typed arrays.
      const wanted = options.shape.reduce((a, b) => a * b, 1);
      if (wanted !== flat.length) throw new RangeError(`torch.tensor: shape [${options.shape.join(', ')}] holds ${wanted} elements, the data has ${flat.length}`);
      shape = [...options.shape];
    }
    dtype = options.dtype ?? (flat.length > 0 && typeof flat[0] === 'boolean' ? 'bool' : 'float32');
    if (dtype === 'float16' || dtype === 'bfloat16') {
      bytes = fillTyped(flat, 'float32');
      const t = new Tensor(native().fromBytes(bytes, dtypeCode('float32'), shape, options.device));
      const converted = t.to(dtype);
      t.dispose();
      return finish(converted, options);
    }
    bytes = fillTyped(flat, dtype);
  }
  let t = new Tensor(native().fromBytes(bytes, dtypeCode(dtype), shape, options.device));
  if (options.dtype && options.dtype !== dtype) {
    const converted = t.to(options.dtype);
    t.dispose();
    t = converted;
  }
  return finish(t, options);
}

/** A scalar (0-dimensional) tensor. */
export const scalarTensor = (value: number | boolean, options: TensorOptions = {}): Tensor => {
  const t = tensor([value as number], options);
  const s = t.reshape([]);
  t.dispose();
  return s;
};

export const zeros = (shape: readonly number[], o: TensorOptions = {}): Tensor => finish(zerosOp(shape, code(o.dtype), undefined, o.device), o);
export const ones = (shape: readonly number[], o: TensorOptions = {}): Tensor => finish(onesOp(shape, code(o.dtype), undefined, o.device), o);
export const empty = (shape: readonly number[], o: TensorOptions = {}): Tensor => finish(emptyOp(shape, code(o.dtype), undefined, o.device), o);
export const full = (shape: readonly number[], value: number | boolean, o: TensorOptions = {}): Tensor =>
  finish(fullOp(shape, value, code(o.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32')), undefined, o.device), o);

/** Values from `start` to `end` (exclusive) by `step`; `arange(n)` is 0..n-1. Integers give int64 unless dtype says. */
export function arange(start: number, end?: number, step = 1, o: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  return finish(arangeOp(start, end, step, code(o.dtype), undefined, o.device), o);
}

export const linspace = (start: number, end: number, steps: number, o: TensorOptions = {}): Tensor =>
  finish(linspaceOp(start, end, steps, code(o.dtype), undefined, o.device), o);

/** Uniform on [0, 1), from the generator seeded by torch.manualSeed. */
export const rand = (shape: readonly number[], o: TensorOptions = {}): Tensor => finish(randOp(shape, code(o.dtype), undefined, o.device), o);
/** Standard normal draws. */
export const randn = (shape: readonly number[], o: TensorOptions = {}): Tensor => finish(randnOp(shape, code(o.dtype), undefined, o.device), o);
/** Integers uniform on [low, high). */
export const randint = (low: number, high: number, shape: readonly number[], o: TensorOptions = {}): Tensor =>
  finish(randintOp(low, high, shape, code(o.dtype ?? 'int64'), undefined, o.device), o);
export const randperm = (n: number, o: TensorOptions = {}): Tensor => finish(randpermOp(n, code(o.dtype ?? 'int64'), undefined, o.device), o);
export const normal = (mean: number, std: number, shape: readonly number[], o: TensorOptions = {}): Tensor =>
  finish(normalOp(mean, std, shape, undefined, code(o.dtype), undefined, o.device), o);
export const eye = (n: number, o: TensorOptions = {}): Tensor => finish(eyeOp(n, code(o.dtype), undefined, o.device), o);

const like = (t: Tensor, o: TensorOptions): TensorOptions => ({ dtype: o.dtype ?? t.dtype, device: o.device ?? t.device, requiresGrad: o.requiresGrad });
export const zerosLike = (t: Tensor, o: TensorOptions = {}): Tensor => zeros(t.shape, like(t, o));
export const onesLike = (t: Tensor, o: TensorOptions = {}): Tensor => ones(t.shape, like(t, o));
export const fullLike = (t: Tensor, value: number, o: TensorOptions = {}): Tensor => full(t.shape, value, like(t, o));
export const randLike = (t: Tensor, o: TensorOptions = {}): Tensor => rand(t.shape, like(t, o));
export const randnLike = (t: Tensor, o: TensorOptions = {}): Tensor => randn(t.shape, like(t, o));
