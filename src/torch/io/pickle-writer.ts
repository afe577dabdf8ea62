// The pickle torch.save writes for a state dict, protocol 2: an OrderedDict of key → tensor, each
// tensor `torch._utils._rebuild_tensor_v2` over a persistent storage id, optionally inside a
// plain dict under one key (`{'state_dict': …}`, what CRIS.pytorch's train.py saves). Only the
// globals torch.load(weights_only=True) and vlsm's own restricted reader accept appear.

/** One tensor as the pickle names it: its storage key (the `data/<key>` entry) and geometry. */
export interface PickledTensorSpec {
  name: string;
  /** torch storage class: FloatStorage, HalfStorage, BFloat16Storage, LongStorage, … */
  storageType: string;
  storageKey: string;
  shape: readonly number[];
}

const PROTO = 0x80;
const STOP = 0x2e;
const MARK = 0x28;
const TUPLE = 0x74;
const EMPTY_TUPLE = 0x29;
const EMPTY_DICT = 0x7d;
const SETITEM = 0x73;
const SETITEMS = 0x75;
const REDUCE = 0x52;
const GLOBAL = 0x63;
const BINPERSID = 0x51;
const BINUNICODE = 0x58;
const BININT = 0x4a;
const NEWFALSE = 0x89;
const BINPUT = 0x71;
const LONG_BINPUT = 0x72;
const BINGET = 0x68;
const LONG_BINGET = 0x6a;

class PickleBuilder {
  readonly #parts: Buffer[] = [];
  readonly #memo = new Map<string, number>();

  byte(...ops: number[]): void {
    this.#parts.push(Buffer.from(ops));
  }

  /** A GLOBAL, memoised as Python's pickler does so each name is written once. */
  global(module: string, name: string): void {
    const key = `${module}\n${name}`;
    const known = this.#memo.get(key);
    if (known !== undefined) return this.get(known);
    this.#parts.push(Buffer.from([GLOBAL]), Buffer.from(`${module}\n${name}\n`, 'latin1'));
    this.put(key);
  }

  put(key: string): void {
    const index = this.#memo.size;
    this.#memo.set(key, index);
    if (index < 256) this.byte(BINPUT, index);
    else this.#int32Op(LONG_BINPUT, index);
  }

  get(index: number): void {
    if (index < 256) this.byte(BINGET, index);
    else this.#int32Op(LONG_BINGET, index);
  }

  string(value: string): void {
    const data = Buffer.from(value, 'utf8');
    this.#int32Op(BINUNICODE, data.length);
    this.#parts.push(data);
  }

  int(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0 || value > 0x7fffffff) throw new RangeError(`pickle writer: ${value} does not fit a 32-bit signed integer`);
    this.#int32Op(BININT, value);
  }

  intTuple(values: readonly number[]): void {
    if (values.length === 0) return this.byte(EMPTY_TUPLE);
    this.byte(MARK);
    for (const v of values) this.int(v);
    this.byte(TUPLE);
  }

  #int32Op(op: number, value: number): void {
    const b = Buffer.alloc(5);
    b[0] = op;
    b.writeInt32LE(value, 1);
    this.#parts.push(b);
  }

  bytes(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

const contiguousStrides = (shape: readonly number[]): number[] => {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = step;
    step *= shape[i]!;
  }
  return strides;
};

/**
 * data.pkl for `tensors` (contiguous, each on its own storage, CPU), as
 * `torch.save(OrderedDict(...))` or, with `wrapKey`, `torch.save({wrapKey: OrderedDict(...)})`.
 */
export function pickleStateDict(tensors: readonly PickledTensorSpec[], wrapKey?: string): Buffer {
  const p = new PickleBuilder();
  p.byte(PROTO, 2);
  if (wrapKey !== undefined) {
    p.byte(EMPTY_DICT);
    p.string(wrapKey);
  }
  p.global('collections', 'OrderedDict');
  p.byte(EMPTY_TUPLE, REDUCE);
  if (tensors.length > 0) p.byte(MARK);
  for (const t of tensors) {
    p.string(t.name);
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.byte(MARK);
    // persistent id: ('storage', storage class, key, location, numel)
    p.byte(MARK);
    p.string('storage');
    p.global('torch', t.storageType);
    p.string(t.storageKey);
    p.string('cpu');
    p.int(t.shape.reduce((a, b) => a * b, 1));
    p.byte(TUPLE, BINPERSID);
    p.int(0); // storage offset
    p.intTuple(t.shape);
    p.intTuple(contiguousStrides(t.shape));
    p.byte(NEWFALSE); // requires_grad
    p.global('collections', 'OrderedDict'); // backward hooks
    p.byte(EMPTY_TUPLE, REDUCE);
    p.byte(TUPLE, REDUCE);
  }
  if (tensors.length > 0) p.byte(SETITEMS);
  if (wrapKey !== undefined) p.byte(SETITEM);
  p.byte(STOP);
  return p.bytes();
}
