// Element types, by PyTorch's names, and their c10::ScalarType codes.

export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export const dtypes: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'];

// c10::ScalarType enum values (stable across libtorch releases).
const codes: Record<DType, number> = {
  uint8: 0, int8: 1, int16: 2, int32: 3, int64: 4, float16: 5, float32: 6, float64: 7, bool: 11, bfloat16: 15,
};
const byCode = new Map<number, DType>(Object.entries(codes).map(([name, code]) => [code, name as DType]));

export function dtypeCode(dtype: DType): number {
  const code = codes[dtype];
  if (code === undefined) throw new TypeError(`unknown dtype '${dtype}'; expected one of ${dtypes.join(', ')}`);
  return code;
}

export function dtypeFromCode(code: number): DType {
  const dtype = byCode.get(code);
  if (!dtype) throw new TypeError(`libtorch returned a tensor of scalar type ${code}, which vlsm does not support`);
  return dtype;
}

export const isFloatingPoint = (d: DType): boolean => d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';

export const elementSize = (d: DType): number =>
  ({ float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 })[d];

/** The typed array a tensor of this dtype reads back into (half types read back as float32). */
export type TypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export function dtypeOfTypedArray(data: ArrayBufferView): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return 'uint8';
  throw new TypeError(`cannot make a tensor from a ${data.constructor.name}; use Float32Array, Float64Array, BigInt64Array, Int32Array, Int16Array, Int8Array or Uint8Array`);
}

export function typedArrayOf(dtype: DType, buffer: ArrayBuffer): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(buffer);
    case 'float64': return new Float64Array(buffer);
    case 'int64': return new BigInt64Array(buffer);
    case 'int32': return new Int32Array(buffer);
    case 'int16': return new Int16Array(buffer);
    case 'int8': return new Int8Array(buffer);
    case 'uint8': case 'bool': return new Uint8Array(buffer);
    default: throw new TypeError(`no typed array holds ${dtype}; convert with .to('float32') first`);
  }
}
