// One way to call any ATen operator: resolve it once by schema name, convert tensors to handles
// on the way in and handles to tensors on the way out, and turn libtorch errors into NativeErrors
// that name the operator and describe its tensor arguments.
import { NativeError } from '../errors.js';
import { native, type Handle } from './native.js';
import { Tensor } from './tensor.js';

function toArg(value: unknown): unknown {
  if (value === undefined || typeof value !== 'object' || value === null) return value;
  if (value instanceof Tensor) return value.handle;
  if (Array.isArray(value)) return value.map(toArg);
  return value;
}

function trimUndefined(args: unknown[]): unknown[] {
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--;
  return args.slice(0, n);
}

const wrap = (h: unknown): Tensor => new Tensor(h as Handle);

/** Tensors come back as numeric handles; the schema's return kinds say which numbers they are. */
function fromResult(value: unknown, kinds: string): unknown {
  if (kinds.length === 1) {
    if (kinds === 't') return value === undefined ? undefined : wrap(value);
    if (kinds === 'l') return (value as unknown[]).map(wrap);
    return value;
  }
  return (value as unknown[]).map((v, i) => (kinds[i] === 't' ? (v === undefined ? undefined : wrap(v)) : kinds[i] === 'l' ? (v as unknown[]).map(wrap) : v));
}

function describe(value: unknown): string {
  if (value instanceof Tensor) return value.isDisposed ? 'disposed tensor' : `[${value.shape.join(', ')}] ${value.dtype}${value.device === 'cpu' ? '' : ' ' + value.device}`;
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (value === undefined) return '-';
  return JSON.stringify(value) ?? String(value);
}

/** libtorch's allocator failures, reworded: its text cites its own source lines and errno. */
function allocationMessage(message: string): string {
  const m = /can't allocate memory: you tried to allocate (\d+) bytes/.exec(message);
  if (!m) return message;
  const gib = Number(m[1]) / 2 ** 30;
  return `out of memory: the result needs ${m[1]} bytes (${gib >= 0.1 ? gib.toFixed(1) : gib.toPrecision(2)} GiB), more than can be allocated`;
}

export function nativeError(name: string, args: readonly unknown[], cause: unknown): NativeError {
  const message = allocationMessage(cause instanceof Error ? cause.message : String(cause));
  const shown = args.map(describe).join(', ');
  return new NativeError(`${name}(${shown}): ${message}`, name, { cause });
}

export interface Op {
  /** Calls the operator (at most 12 arguments); returns Tensor, Tensor[], number, boolean or undefined as its schema says. */
  (...args: unknown[]): any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Calls an in-place operator without wrapping the `self` it returns. */
  inPlace(...args: unknown[]): void;
  readonly schemaName: string;
}

/**
 * An ATen operator by schema name, e.g. `aten('add', 'Tensor')` for `aten::add.Tensor`.
 * `label` is the public name used in error messages (`torch.add`).
 */
export function aten(name: string, overload = '', label?: string): Op {
  const schemaName = overload ? `aten::${name}.${overload}` : `aten::${name}`;
  const shownName = label ?? schemaName;
  let id = -1;
  let kinds = '';
  let arity = 0;
  let addon: ReturnType<typeof native>;
  const resolve = (): number => {
    addon = native();
    id = addon.lookupOp(`aten::${name}`, overload);
    kinds = addon.returns(id);
    arity = addon.arity(id);
    return id;
  };
  // Fixed parameters rather than rest/spread: no argument array is built on the hot path
  // (measured ~0.4 us a call); trailing undefined arguments take the schema's defaults.
  const call = (discard: boolean, a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, a4?: unknown, a5?: unknown, a6?: unknown, a7?: unknown, a8?: unknown, a9?: unknown, a10?: unknown, a11?: unknown): unknown => {
    const op = id >= 0 ? id : resolve();
    let raw: unknown;
    try {
      // Exactly the schema's number of arguments: fewer values to marshal across N-API.
      const c = addon.callOp;
      switch (arity) {
        case 1: raw = c(op, discard, toArg(a0)); break;
        case 2: raw = c(op, discard, toArg(a0), toArg(a1)); break;
        case 3: raw = c(op, discard, toArg(a0), toArg(a1), toArg(a2)); break;
        case 4: raw = c(op, discard, toArg(a0), toArg(a1), toArg(a2), toArg(a3)); break;
        case 5: raw = c(op, discard, toArg(a0), toArg(a1), toArg(a2), toArg(a3), toArg(a4)); break;
        default: raw = c(op, discard, toArg(a0), toArg(a1), toArg(a2), toArg(a3), toArg(a4), toArg(a5), toArg(a6), toArg(a7), toArg(a8), toArg(a9), toArg(a10), toArg(a11));
      }
    } catch (cause) {
      throw nativeError(shownName, trimUndefined([a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11]), cause);
    }
    if (discard) return undefined;
    return kinds === 't' ? (raw === undefined ? undefined : new Tensor(raw as Handle)) : fromResult(raw, kinds);
  };
  const op = ((a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, a4?: unknown, a5?: unknown, a6?: unknown, a7?: unknown, a8?: unknown, a9?: unknown, a10?: unknown, a11?: unknown) =>
    call(false, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11)) as Op;
  op.inPlace = (a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, a4?: unknown, a5?: unknown, a6?: unknown, a7?: unknown, a8?: unknown, a9?: unknown, a10?: unknown, a11?: unknown) =>
    void call(true, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);
  Object.defineProperty(op, 'schemaName', { value: schemaName });
  return op;
}
