// A restricted unpickler: reads the pickle opcodes that torch.save and torch.jit.save write and
// builds plain values from them. No global is ever looked up or called: a GLOBAL opcode yields an
// inert record, and the caller's policy decides which of those may be reduced, and into what.
// Anything else is refused, like torch.load(weights_only=True).
import { CheckpointError } from '../../errors.js';

/** A global named by the pickle (`module.name`); an inert record, never a function. */
export class PickleGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An object of a TorchScript class (`__torch__.…`): its class name and attributes. Nothing runs. */
export class ScriptObject {
  readonly attributes = new Map<unknown, unknown>();
  constructor(readonly className: string) {}
}

/** What the caller allows: how each permitted global is called, built and persisted. */
export interface UnpicklePolicy {
  /** Whether a global may appear at all. Refused globals stop the unpickler with an error. */
  allows(global: PickleGlobal): boolean;
  /** REDUCE: `global(*args)`. */
  call(global: PickleGlobal, args: unknown[]): unknown;
  /** NEWOBJ: `global.__new__(global, *args)`. */
  construct(global: PickleGlobal, args: unknown[]): unknown;
  /** BUILD: sets `state` on `target`; returns the (possibly replaced) object. */
  build(target: unknown, state: unknown): unknown;
  /** BINPERSID / PERSID: resolves a persistent id (torch: a storage reference). */
  persistentLoad(pid: unknown): unknown;
}

/** Python ints: numbers when exact, BigInt beyond 2^53. */
function intValue(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * Unpickles `data` under `policy`. `file` and `entry` (e.g. `archive/data.pkl`) name the source in
 * errors.
 */
export function unpickle(data: Uint8Array, policy: UnpicklePolicy, file: string, entry: string): unknown {
  let pos = 0;
  try {
    const value = run(data, policy, file, entry, (at) => (pos = at));
    const cycle = findCycle(value);
    if (cycle !== undefined) {
      throw new CheckpointError(`${file}: ${entry} is not a pickle vlsm can read: ${cycle} contains itself (a reference cycle)`, file);
    }
    return value;
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    // A policy or container operation met a value it did not expect: still a malformed pickle.
    const problem = error instanceof Error ? error.message : String(error);
    throw new CheckpointError(`${file}: ${entry} is not a pickle vlsm can read: the opcode at byte ${pos} fails (${problem})`, file, undefined, { cause: error });
  }
}

function run(data: Uint8Array, policy: UnpicklePolicy, file: string, entry: string, progress: (at: number) => void): unknown {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const latin1 = new TextDecoder('latin1');
  let pos = 0;
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const fail = (problem: string): never => {
    throw new CheckpointError(`${file}: ${entry} is not a pickle vlsm can read: ${problem}`, file);
  };
  const need = (n: number): void => {
    if (pos + n > data.length) fail(`it ends in the middle of an opcode at byte ${pos}`);
  };
  const u8 = (): number => (need(1), data[pos++]);
  const u16 = (): number => { need(2); const v = view.getUint16(pos, true); pos += 2; return v; };
  const i32 = (): number => { need(4); const v = view.getInt32(pos, true); pos += 4; return v; };
  const u32 = (): number => { need(4); const v = view.getUint32(pos, true); pos += 4; return v; };
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(data.length)) fail(`a length of ${v} bytes runs past the end of the pickle`);
    return Number(v);
  };
  const bytes = (n: number): Uint8Array => {
    need(n);
    const out = data.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const line = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) fail(`a text argument at byte ${pos} has no end of line`);
    const text = latin1.decode(data.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const str = (n: number): string => {
    try {
      return utf8.decode(bytes(n));
    } catch {
      return fail(`a string at byte ${pos - n} is not valid UTF-8`);
    }
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail(`the stack is empty at byte ${pos - 1}`);
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail(`the stack is empty at byte ${pos - 1}`);
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const previous = marks.pop();
    if (!previous) fail(`an opcode at byte ${pos - 1} needs a MARK that is not there`);
    stack = previous!;
    return items;
  };
  const global = (module: string, name: string): PickleGlobal => {
    const g = new PickleGlobal(module, name);
    if (!policy.allows(g)) {
      throw new CheckpointError(
        `${file}: ${entry} refers to the global '${g.qualifiedName}', which a checkpoint has no reason to use; ` +
          'vlsm loads only tensors and plain containers (like torch.load(weights_only=True))',
        file,
        g.qualifiedName,
      );
    }
    return g;
  };
  const asGlobal = (value: unknown, what: string): PickleGlobal => {
    if (!(value instanceof PickleGlobal)) fail(`${what} applies to ${describe(value)}, not to a global`);
    return value as PickleGlobal;
  };
  const setItems = (target: unknown, items: unknown[]): void => {
    if (items.length % 2 !== 0) fail('SETITEMS has an odd number of items');
    if (target instanceof Map) {
      for (let i = 0; i < items.length; i += 2) {
        const key = dictKey(items[i]);
        if (key === undefined) fail(`a dict key at byte ${pos - 1} contains itself`);
        target.set(key, items[i + 1]);
      }
    } else if (target instanceof ScriptObject) {
      for (let i = 0; i < items.length; i += 2) target.attributes.set(items[i], items[i + 1]);
    } else {
      fail(`SETITEM applies to ${describe(target)}, not to a dict`);
    }
  };
  const append = (target: unknown, items: unknown[]): void => {
    if (Array.isArray(target)) {
      if (Object.isFrozen(target)) fail('APPEND applies to a tuple, which cannot change');
      for (const item of items) target.push(item);
    }
    else if (target instanceof Set) for (const item of items) target.add(item);
    else fail(`APPEND applies to ${describe(target)}, not to a list`);
  };
  const readLong = (n: number): number | bigint => {
    if (n === 0) return 0;
    const b = bytes(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return intValue(v);
  };

  for (;;) {
    if (pos >= data.length) fail('it ends without a STOP opcode');
    const at = pos;
    progress(at);
    const op = data[pos++];
    switch (op) {
      case 0x80: { // PROTO
        const protocol = u8();
        if (protocol > 5) fail(`pickle protocol ${protocol} is newer than 5`);
        break;
      }
      case 0x95: pos += 8; break; // FRAME: a hint for buffered readers
      case 0x2e: // STOP '.'
        if (stack.length !== 1 || marks.length) fail(`STOP leaves ${stack.length} values and ${marks.length} marks`);
        return stack[0];
      case 0x28: marks.push(stack); stack = []; break; // MARK '('
      case 0x30: pop(); break; // POP '0'
      case 0x31: popMark(); break; // POP_MARK '1'
      case 0x32: stack.push(top()); break; // DUP '2'
      case 0x4e: stack.push(null); break; // NONE 'N'
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: stack.push(i32()); break; // BININT 'J'
      case 0x4b: stack.push(u8()); break; // BININT1 'K'
      case 0x4d: stack.push(u16()); break; // BININT2 'M'
      case 0x8a: stack.push(readLong(u8())); break; // LONG1
      case 0x8b: { // LONG4
        const n = i32();
        if (n < 0) fail('LONG4 has a negative length');
        stack.push(readLong(n));
        break;
      }
      case 0x49: { // INT 'I' (protocol 0; "01"/"00" are True/False)
        const text = line();
        if (text === '01' || text === '00') stack.push(text === '01');
        else if (/^[-+]?\d+$/.test(text)) stack.push(intValue(BigInt(text)));
        else fail(`INT has the argument '${text}'`);
        break;
      }
      case 0x4c: { // LONG 'L'
        const text = line().replace(/L$/, '');
        if (!/^[-+]?\d+$/.test(text)) fail(`LONG has the argument '${text}'`);
        stack.push(intValue(BigInt(text)));
        break;
      }
      case 0x47: { need(8); stack.push(view.getFloat64(pos, false)); pos += 8; break; } // BINFLOAT 'G'
      case 0x46: { // FLOAT 'F'
        const v = Number(line());
        if (Number.isNaN(v)) fail('FLOAT has a malformed argument');
        stack.push(v);
        break;
      }
      case 0x58: stack.push(str(u32())); break; // BINUNICODE 'X'
      case 0x8c: stack.push(str(u8())); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(str(u64())); break; // BINUNICODE8
      case 0x55: stack.push(latin1.decode(bytes(u8()))); break; // SHORT_BINSTRING 'U' (Python 2 str)
      case 0x54: { // BINSTRING 'T'
        const n = i32();
        if (n < 0) fail('BINSTRING has a negative length');
        stack.push(latin1.decode(bytes(n)));
        break;
      }
      case 0x43: stack.push(bytes(u8()).slice()); break; // SHORT_BINBYTES 'C'
      case 0x42: stack.push(bytes(u32()).slice()); break; // BINBYTES 'B'
      case 0x8e: stack.push(bytes(u64()).slice()); break; // BINBYTES8
      case 0x96: stack.push(bytes(u64()).slice()); break; // BYTEARRAY8
      case 0x98: break; // READONLY_BUFFER: no effect on a copy
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT '}'
      case 0x5d: stack.push([]); break; // EMPTY_LIST ']'
      case 0x29: stack.push(Object.freeze([])); break; // EMPTY_TUPLE ')'
      case 0x8f: stack.push(new Set()); break; // EMPTY_SET
      case 0x64: { // DICT 'd'
        const items = popMark();
        const dict = new Map();
        setItems(dict, items);
        stack.push(dict);
        break;
      }
      case 0x6c: { const items = popMark(); stack.push(items); break; } // LIST 'l'
      case 0x74: { const items = popMark(); stack.push(Object.freeze(items)); break; } // TUPLE 't'
      case 0x85: stack.push(Object.freeze([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push(Object.freeze([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(Object.freeze([a, b, c])); break; } // TUPLE3
      case 0x91: { const items = popMark(); stack.push(Object.freeze(new Set(items))); break; } // FROZENSET
      case 0x90: { const items = popMark(); append(top(), items); break; } // ADDITEMS
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM 's'
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS 'u'
      case 0x61: { const v = pop(); append(top(), [v]); break; } // APPEND 'a'
      case 0x65: { const items = popMark(); append(top(), items); break; } // APPENDS 'e'
      case 0x71: memo.set(u8(), top()); break; // BINPUT 'q'
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT 'r'
      case 0x70: memo.set(Number(line()), top()); break; // PUT 'p'
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: case 0x67: { // BINGET 'h', LONG_BINGET 'j', GET 'g'
        const index = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(line());
        if (!memo.has(index)) fail(`memo entry ${index} is read before it is written (byte ${at})`);
        stack.push(memo.get(index));
        break;
      }
      case 0x63: { // GLOBAL 'c'
        const module = line();
        const name = line();
        stack.push(global(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE 'R'
        const args = pop();
        const callable = asGlobal(pop(), 'REDUCE');
        if (!Array.isArray(args)) fail(`REDUCE of '${callable.qualifiedName}' has arguments that are not a tuple`);
        stack.push(policy.call(callable, args as unknown[]));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = pop();
        const cls = asGlobal(pop(), 'NEWOBJ');
        if (!Array.isArray(args)) fail(`NEWOBJ of '${cls.qualifiedName}' has arguments that are not a tuple`);
        stack.push(policy.construct(cls, args as unknown[]));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = asGlobal(pop(), 'NEWOBJ_EX');
        if (!(kwargs instanceof Map) || kwargs.size > 0) fail(`NEWOBJ_EX of '${cls.qualifiedName}' passes keyword arguments`);
        stack.push(policy.construct(cls, args as unknown[]));
        break;
      }
      case 0x62: { // BUILD 'b'
        const state = pop();
        const target = pop();
        stack.push(policy.build(target, state));
        break;
      }
      case 0x51: stack.push(policy.persistentLoad(pop())); break; // BINPERSID 'Q'
      case 0x50: stack.push(policy.persistentLoad(line())); break; // PERSID 'P'
      case 0x69: case 0x6f: // INST 'i', OBJ 'o': old-style instantiation, never written by torch
        fail(`opcode ${op === 0x69 ? 'INST' : 'OBJ'} (protocol 0/1 object creation) at byte ${at} is not supported`);
        break;
      case 0x82: case 0x83: case 0x84: // EXT1/2/4: the copyreg extension registry
        fail(`opcode EXT at byte ${at} refers to the copyreg extension registry, which checkpoints do not use`);
        break;
      case 0x97: fail(`opcode NEXT_BUFFER at byte ${at} needs out-of-band buffers, which checkpoints do not use`); break;
      default:
        fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at}`);
    }
  }
}

/**
 * Dict keys: strings and numbers as they are; tuples by their text (a Map compares by identity),
 * written iteratively as JSON would; undefined when the tuple contains itself.
 */
function dictKey(key: unknown): unknown {
  if (!Array.isArray(key)) return key;
  let text = '';
  const open = new Set<unknown>();
  const work: unknown[] = [key];
  const CLOSE = Symbol('close');
  const close = (array: unknown): { [CLOSE]: unknown } => ({ [CLOSE]: array });
  const needComma: boolean[] = [];
  while (work.length > 0) {
    const item = work.pop();
    if (typeof item === 'object' && item !== null && CLOSE in item) {
      open.delete((item as { [CLOSE]: unknown })[CLOSE]);
      needComma.pop();
      text += ']';
      continue;
    }
    if (needComma.length > 0) {
      if (needComma[needComma.length - 1]) text += ',';
      needComma[needComma.length - 1] = true;
    }
    if (Array.isArray(item)) {
      if (open.has(item)) return undefined;
      open.add(item);
      text += '[';
      needComma.push(false);
      work.push(close(item));
      for (let i = item.length - 1; i >= 0; i--) work.push(item[i]);
    } else if (typeof item === 'bigint') {
      text += JSON.stringify(item.toString());
    } else {
      text += typeof item === 'object' && item !== null && !(item instanceof Uint8Array) ? JSON.stringify(describe(item)) : (JSON.stringify(item) ?? 'null');
    }
  }
  return text;
}

/**
 * The first container that contains itself, described, or undefined: an iterative depth-first walk
 * (no recursion, so any depth) that tells cycles from shared references by the containers open on
 * the current path.
 */
export function findCycle(root: unknown): string | undefined {
  const children = (value: unknown): Iterator<unknown> | undefined => {
    if (value instanceof Map) return (function* () { for (const [k, v] of value) { yield k; yield v; } })();
    if (value instanceof ScriptObject) return (function* () { for (const [k, v] of value.attributes) { yield k; yield v; } })();
    if (Array.isArray(value) || value instanceof Set) return value.values();
    if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).values();
    return undefined;
  };
  const done = new Set<unknown>();
  const onPath = new Set<unknown>();
  const first = children(root);
  if (!first) return undefined;
  const stack: [unknown, Iterator<unknown>][] = [[root, first]];
  onPath.add(root);
  while (stack.length > 0) {
    const [value, iterator] = stack[stack.length - 1];
    const next = iterator.next();
    if (next.done) {
      stack.pop();
      onPath.delete(value);
      done.add(value);
      continue;
    }
    const child = next.value;
    if (onPath.has(child)) return describe(child);
    if (done.has(child)) continue;
    const grandchildren = children(child);
    if (!grandchildren) continue;
    onPath.add(child);
    stack.push([child, grandchildren]);
  }
  return undefined;
}

export function describe(value: unknown): string {
  if (value === null) return 'None';
  if (value instanceof PickleGlobal) return `the global '${value.qualifiedName}'`;
  if (value instanceof ScriptObject) return `an object of class '${value.className}'`;
  if (value instanceof Map) return 'a dict';
  if (Array.isArray(value)) return 'a list or tuple';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'value'}`;
  return `the ${typeof value} ${String(value)}`;
}
