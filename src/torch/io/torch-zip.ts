// torch.save zip archives (PyTorch >= 1.6): `<root>/data.pkl` pickles the object, whose tensors
// refer through persistent ids to storages stored as `<root>/data/<key>`. The zip's central
// directory is read with yauzl; a stored (uncompressed) storage is read by the addon straight from
// the file at its entry's data offset, a deflated one is inflated and copied once.
import { closeSync, createReadStream, read as fsRead } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { totalmem } from 'node:os';
import { inflateRawSync } from 'node:zlib';
import * as yauzl from 'yauzl';
import { CheckpointError } from '../../errors.js';
import { aten } from '../dispatch.js';
import type { Device } from '../device.js';
import { dtypeCode, elementSize, type DType } from '../dtype.js';
import { native } from '../native.js';
import { Tensor } from '../tensor.js';
import { openCheckpointFile, readingCheckpoint } from './checkpoint-file.js';
import { describe, PickleGlobal, ScriptObject, unpickle, type UnpicklePolicy } from './pickle.js';
import { readExactly } from './safetensors.js';

const asStrided = aten('as_strided', '', 'torch.as_strided');

// ---- the pickled values that stand for storages and tensors ------------------------------------

/** A storage named by a persistent id: `<root>/<dir>/<key>`, `numel` elements of `dtype`. */
export class StorageRef {
  constructor(readonly key: string, readonly dtype: DType, readonly numel: number, readonly location: string, readonly dir: string) {}
}

/** A tensor as pickled: a strided view of a storage. Materialized into a Tensor on demand. */
export class PickledTensor {
  requiresGrad = false;
  constructor(readonly storage: StorageRef, readonly offset: number, readonly shape: number[], readonly stride: number[]) {}
  get dtype(): DType {
    return this.storage.dtype;
  }
  numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  /** Bytes of its elements (not of the whole storage). */
  get nbytes(): number {
    return this.numel() * elementSize(this.dtype);
  }
}

const storageTypes: Record<string, DType> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8', BoolStorage: 'bool',
};

// ---- the zip archive ---------------------------------------------------------------------------

export interface ZipEntryInfo {
  name: string;
  compressionMethod: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

/** Deflate cannot shrink data more than about 1032:1; an entry that claims more is damaged or a bomb. */
const MAX_DEFLATE_RATIO = 1032;

/** Metadata entries (pickles, code, byteorder) are small; a larger one is refused before it is inflated. */
export const MAX_METADATA_ENTRY_BYTES = 512 * 1024 * 1024;

/** The most bytes an archive's entries may inflate to in total: the machine's memory. */
export const inflateBudget = (): number => totalmem();

/** A torch zip archive's directory; entries are read synchronously once it is open. */
export class TorchArchive {
  #dataStarts = new Map<string, number>();
  /** Bytes inflated so far, against inflateBudget(). */
  #inflated = 0;
  constructor(readonly path: string, readonly root: string, readonly entries: Map<string, ZipEntryInfo>, readonly fileSize = Number.POSITIVE_INFINITY) {}

  /** `torch.jit.save` archives carry compiled code next to the data. */
  get isTorchScript(): boolean {
    if (this.entries.has(`${this.root}/constants.pkl`)) return true;
    for (const name of this.entries.keys()) if (name.startsWith(`${this.root}/code/`)) return true;
    return false;
  }

  has(name: string): boolean {
    return this.entries.has(`${this.root}/${name}`);
  }

  entry(name: string): ZipEntryInfo {
    const entry = this.entries.get(`${this.root}/${name}`);
    if (!entry) throw new CheckpointError(`${this.path}: the archive has no entry '${this.root}/${name}'`, this.path, name);
    return entry;
  }

  /** Where an entry's bytes start: after the local header and its variable-length name and extra field. */
  dataStart(entry: ZipEntryInfo): number {
    const known = this.#dataStarts.get(entry.name);
    if (known !== undefined) return known;
    const header = readAt(this.path, entry.localHeaderOffset, 30);
    if (header.length < 30 || header.readUInt32LE(0) !== 0x04034b50) {
      throw new CheckpointError(`${this.path}: the zip entry '${entry.name}' has no local header at offset ${entry.localHeaderOffset}; the file is damaged`, this.path, entry.name);
    }
    const start = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    this.#dataStarts.set(entry.name, start);
    return start;
  }

  /**
   * The whole (decompressed) content of an entry. Its declared sizes are checked against the file
   * and the budget before anything is read, and inflation stops at the declared size, so a damaged
   * or hostile entry costs at most what it declares. `limit` caps metadata entries.
   */
  read(name: string, limit = MAX_METADATA_ENTRY_BYTES): Buffer {
    const entry = this.entry(name);
    const fail = (problem: string): never => {
      throw new CheckpointError(`${this.path}: the zip entry '${entry.name}' ${problem}`, this.path, entry.name);
    };
    const start = this.dataStart(entry);
    if (start + entry.compressedSize > this.fileSize) fail(`claims ${entry.compressedSize} bytes at offset ${start}, past the end of the file (${this.fileSize} bytes); the file is truncated or damaged`);
    if (entry.uncompressedSize > limit) fail(`claims ${entry.uncompressedSize} bytes, more than the ${limit} bytes such an entry may have`);
    if (entry.compressionMethod === 8 && entry.uncompressedSize > entry.compressedSize * MAX_DEFLATE_RATIO + 1024) {
      fail(`claims to inflate ${entry.compressedSize} bytes to ${entry.uncompressedSize}, more than deflate can; the archive is damaged`);
    }
    if (entry.compressionMethod === 0 && entry.uncompressedSize !== entry.compressedSize) fail(`is stored uncompressed but claims ${entry.compressedSize} bytes stored for ${entry.uncompressedSize}`);
    if (entry.compressionMethod !== 0 && this.#inflated + entry.uncompressedSize > inflateBudget()) {
      fail(`would inflate the archive to more than ${inflateBudget()} bytes, this machine's memory`);
    }
    const raw = readAt(this.path, start, entry.compressedSize);
    if (raw.length !== entry.compressedSize) fail(`is truncated (${raw.length} of ${entry.compressedSize} bytes)`);
    const out = decompress(this.path, entry, raw);
    if (out.length !== entry.uncompressedSize) fail(`inflates to ${out.length} bytes, not the ${entry.uncompressedSize} it declares; the archive is damaged`);
    if (entry.compressionMethod !== 0) this.#inflated += out.length;
    return out;
  }

  readText(name: string): string {
    return this.read(name).toString('utf8').trim();
  }

  /** A storage as a tensor on the CPU: flat, or of `shape` when that holds exactly its elements. */
  loadStorage(ref: StorageRef, shape: readonly number[] = [ref.numel]): Tensor {
    const entry = this.entry(`${ref.dir}/${ref.key}`);
    const nbytes = ref.numel * elementSize(ref.dtype);
    if (entry.uncompressedSize < nbytes) {
      throw new CheckpointError(
        `${this.path}: storage '${entry.name}' holds ${entry.uncompressedSize} bytes, but ${ref.numel} elements of ${ref.dtype} need ${nbytes}`,
        this.path,
        entry.name,
      );
    }
    if (entry.compressionMethod === 0 && this.dataStart(entry) + nbytes > this.fileSize) {
      throw new CheckpointError(`${this.path}: storage '${entry.name}' needs ${nbytes} bytes at offset ${this.dataStart(entry)}, past the end of the file (${this.fileSize} bytes); the file is truncated`, this.path, entry.name);
    }
    try {
      if (entry.compressionMethod === 0) {
        return new Tensor(native().fromFile(this.path, this.dataStart(entry), dtypeCode(ref.dtype), shape));
      }
      const bytes = this.read(`${ref.dir}/${ref.key}`, inflateBudget());
      return new Tensor(native().fromBytes(bytes.subarray(0, nbytes), dtypeCode(ref.dtype), shape));
    } catch (cause) {
      if (cause instanceof CheckpointError) throw cause;
      throw new CheckpointError(`${this.path}: storage '${entry.name}': ${(cause as Error).message}`, this.path, entry.name, { cause });
    }
  }
}

function readAt(path: string, position: number, length: number): Buffer {
  const { fd } = openCheckpointFile(path);
  try {
    return readExactly(fd, length, position);
  } finally {
    closeSync(fd);
  }
}

function decompress(path: string, entry: ZipEntryInfo, raw: Buffer): Buffer {
  if (entry.compressionMethod === 0) return raw;
  if (entry.compressionMethod !== 8) {
    throw new CheckpointError(`${path}: the zip entry '${entry.name}' uses compression method ${entry.compressionMethod}; vlsm reads stored and deflated entries`, path, entry.name);
  }
  try {
    // Stops at the declared size (+1 to tell "more than declared" from "exactly"): memory spent is
    // bounded by what the directory says, which read() has checked against the budget.
    return inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize + 1) });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new CheckpointError(`${path}: the zip entry '${entry.name}' inflates to more than the ${entry.uncompressedSize} bytes it declares; the archive is damaged`, path, entry.name, { cause });
    }
    throw new CheckpointError(`${path}: the zip entry '${entry.name}' cannot be inflated: ${(cause as Error).message}`, path, entry.name, { cause });
  }
}

/** Opens a torch zip archive: reads the central directory and finds the archive's root folder. */
export async function openTorchArchive(path: string): Promise<TorchArchive> {
  return readingCheckpoint(path, () => openArchive(path));
}

/**
 * yauzl's reader over our descriptor, refusing reads outside the file: yauzl's own fd reader passes
 * a damaged ZIP64 record's offsets (up to 2^64) to fs.read, which throws inside a callback and
 * ends the process. The descriptor stays ours to close.
 */
class BoundedFileReader extends yauzl.RandomAccessReader {
  constructor(readonly fd: number, readonly size: number) {
    super();
  }

  #check(start: number, end: number): Error | undefined {
    if (Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end && end <= this.size) return undefined;
    return new Error(`a read of bytes [${start}, ${end}) lies outside the file (${this.size} bytes)`);
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    const outside = this.#check(position, position + length);
    if (outside) return void setImmediate(callback, outside);
    fsRead(this.fd, buffer, offset, length, position, (err) => callback(err));
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const outside = this.#check(start, end);
    if (outside || start === end) {
      const stream = new PassThrough();
      setImmediate(() => (outside ? stream.destroy(outside) : stream.end()));
      return stream;
    }
    return createReadStream('', { fd: this.fd, start, end: end - 1, autoClose: false });
  }

  override close(callback: (err: Error | null) => void): void {
    setImmediate(callback, null);
  }
}

async function openArchive(path: string): Promise<TorchArchive> {
  const { fd, size: fileSize } = openCheckpointFile(path);
  try {
    return await readArchive(path, fd, fileSize);
  } finally {
    closeSync(fd);
  }
}

async function readArchive(path: string, fd: number, fileSize: number): Promise<TorchArchive> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromRandomAccessReaderPromise(new BoundedFileReader(fd, fileSize), fileSize, { lazyEntries: true, autoClose: false, decodeStrings: true });
  } catch (cause) {
    throw new CheckpointError(`${path}: not a readable zip archive (${(cause as Error).message})`, path, undefined, { cause });
  }
  const entries = new Map<string, ZipEntryInfo>();
  try {
    for await (const e of zip.eachEntry()) {
      entries.set(e.fileName, {
        name: e.fileName,
        compressionMethod: e.compressionMethod,
        compressedSize: e.compressedSize,
        uncompressedSize: e.uncompressedSize,
        localHeaderOffset: e.relativeOffsetOfLocalHeader,
      });
    }
  } catch (cause) {
    throw new CheckpointError(`${path}: the zip directory is damaged (${(cause as Error).message})`, path, undefined, { cause });
  } finally {
    zip.close();
  }
  const pickles = [...entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    const shown = [...entries.keys()].slice(0, 5).join(', ');
    throw new CheckpointError(
      `${path}: a zip archive, but not one torch.save or torch.jit.save wrote: expected one '<root>/data.pkl', found ${pickles.length} (entries: ${shown}${entries.size > 5 ? ', …' : ''})`,
      path,
    );
  }
  const archive = new TorchArchive(path, pickles[0].slice(0, -'/data.pkl'.length), entries, fileSize);
  if (archive.has('byteorder')) {
    const order = archive.readText('byteorder');
    if (order !== 'little') {
      throw new CheckpointError(`${path}: the storages are ${order}-endian; vlsm reads little-endian checkpoints (re-save it on a little-endian machine)`, path, 'byteorder');
    }
  }
  return archive;
}

// ---- the restricted policy for torch.save pickles -----------------------------------------------

const allowedGlobals = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch._utils._rebuild_from_type_v2',
  'torch._tensor.Tensor',
  'torch.Tensor',
  'torch.nn.parameter.Parameter',
  'torch.Size',
  'torch.device',
  '_codecs.encode',
  'builtins.set',
  'builtins.frozenset',
  'builtins.bytearray',
  'argparse.Namespace',
  ...Object.keys(storageTypes).map((s) => `torch.${s}`),
]);

const int = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const intList = (v: unknown): v is number[] => Array.isArray(v) && v.every(int);

export interface PolicyOptions {
  /** The pickle entry, e.g. `data.pkl` (errors name it). */
  entry: string;
  /** Folder of the storages, relative to the archive root: `data` for data.pkl. */
  storageDir: string;
  /** TorchScript archives: `__torch__.*` classes become inert ScriptObjects. */
  torchScript?: boolean;
}

/** The restricted policy: only tensor and storage rebuilds, OrderedDict and plain containers. */
export function torchPolicy(file: string, options: PolicyOptions): UnpicklePolicy {
  const storages = new Map<string, StorageRef>();
  const fail = (problem: string): never => {
    throw new CheckpointError(`${file}: ${options.entry}: ${problem}`, file);
  };
  const isScriptClass = (g: PickleGlobal): boolean => options.torchScript === true && (g.module === '__torch__' || g.module.startsWith('__torch__.'));
  const jitHelpers = new Set(['torch.jit._pickle.build_intlist', 'torch.jit._pickle.build_doublelist', 'torch.jit._pickle.build_boollist', 'torch.jit._pickle.build_tensorlist', 'torch.jit._pickle.restore_type_tag']);
  const rebuild = (name: string, args: unknown[]): PickledTensor => {
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof StorageRef)) return fail(`${name} is given ${describe(storage)} instead of a storage`);
    if (!int(offset) || offset < 0 || !intList(size) || !intList(stride) || size.length !== stride.length || size.some((d) => d < 0) || stride.some((s) => s < 0)) {
      return fail(`${name} is given a malformed offset, size or stride (${[offset, size, stride].map(describe).join(', ')})`);
    }
    if (!Number.isSafeInteger((size as number[]).reduce((a, b) => a * b, 1))) return fail(`${name} is given the size [${(size as number[]).join(', ')}], more elements than any storage holds`);
    const t = new PickledTensor(storage as StorageRef, offset as number, [...(size as number[])], [...(stride as number[])]);
    if (args[4] === true) t.requiresGrad = true;
    return t;
  };
  return {
    allows: (g) => allowedGlobals.has(g.qualifiedName) || isScriptClass(g) || (options.torchScript === true && jitHelpers.has(g.qualifiedName)),
    call(g, args) {
      switch (g.qualifiedName) {
        case 'collections.OrderedDict': {
          const map = new Map<unknown, unknown>();
          if (args.length > 0 && Array.isArray(args[0])) for (const pair of args[0] as unknown[][]) map.set(pair[0], pair[1]);
          return map;
        }
        case 'torch._utils._rebuild_tensor':
        case 'torch._utils._rebuild_tensor_v2':
          return rebuild(g.name, args);
        case 'torch._utils._rebuild_parameter':
        case 'torch._utils._rebuild_parameter_with_state': {
          const [data, requiresGrad] = args;
          if (!(data instanceof PickledTensor)) return fail(`${g.name} is given ${describe(data)} instead of a tensor`);
          (data as PickledTensor).requiresGrad = requiresGrad === true;
          return data;
        }
        case 'torch._utils._rebuild_from_type_v2': {
          // (rebuild function, Tensor or Parameter class, its arguments, Python state)
          const [fn, cls, fnArgs] = args;
          const plain = cls instanceof PickleGlobal && ['torch._tensor.Tensor', 'torch.Tensor', 'torch.nn.parameter.Parameter'].includes(cls.qualifiedName);
          if (!(fn instanceof PickleGlobal) || !plain || !Array.isArray(fnArgs)) return fail(`${g.name} rebuilds ${describe(cls)}, not a plain tensor`);
          return this.call(fn as PickleGlobal, fnArgs as unknown[]);
        }
        case 'torch.Size':
          return [...((args[0] as unknown[]) ?? [])];
        case 'torch.device':
          return args.length === 2 && args[1] !== null ? `${String(args[0])}:${String(args[1])}` : String(args[0]);
        case '_codecs.encode':
        case 'builtins.bytearray': {
          const [text, encoding] = args;
          if (text instanceof Uint8Array) return text;
          if (args.length === 0) return new Uint8Array(0);
          if (typeof text !== 'string') return fail(`${g.qualifiedName} is given ${describe(text)}`);
          const enc = String(encoding ?? 'utf-8').toLowerCase();
          if (enc === 'latin1' || enc === 'latin-1' || enc === 'iso-8859-1') return Uint8Array.from(text as string, (c) => c.charCodeAt(0) & 0xff);
          if (enc === 'utf-8' || enc === 'utf8' || enc === 'ascii') return new TextEncoder().encode(text as string);
          return fail(`${g.qualifiedName} uses the encoding '${enc}'`);
        }
        case 'builtins.set':
          return new Set(Array.isArray(args[0]) ? args[0] : []);
        case 'builtins.frozenset':
          return Object.freeze(new Set(Array.isArray(args[0]) ? args[0] : []));
        case 'torch.jit._pickle.restore_type_tag':
          return args[0];
        default:
          if (jitHelpers.has(g.qualifiedName)) return args[0];
          return fail(`'${g.qualifiedName}' cannot be called here`);
      }
    },
    construct(g, args) {
      if (g.qualifiedName === 'argparse.Namespace') return {};
      if (g.qualifiedName === 'collections.OrderedDict') return new Map();
      if (isScriptClass(g)) return new ScriptObject(g.qualifiedName);
      return fail(`'${g.qualifiedName}' cannot be constructed here (${args.length} arguments)`);
    },
    build(target, state) {
      // OrderedDict state ({_metadata: …}) and tensor state (hooks) carry nothing vlsm needs.
      if (target instanceof Map || target instanceof PickledTensor) return target;
      const dict = Array.isArray(state) ? state[0] : state;
      if (target instanceof ScriptObject) {
        if (dict instanceof Map) for (const [k, v] of dict) target.attributes.set(k, v);
        else if (dict !== null) fail(`object of class '${target.className}' is given a state that is not a dict`);
        return target;
      }
      if (typeof target === 'object' && target !== null && Object.getPrototypeOf(target) === Object.prototype) {
        if (dict instanceof Map) for (const [k, v] of dict) (target as Record<string, unknown>)[String(k)] = v;
        return target;
      }
      return fail(`BUILD applies to ${describe(target)}`);
    },
    persistentLoad(pid) {
      if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) return fail(`unknown persistent id ${describe(pid)}; expected ('storage', type, key, location, numel)`);
      const [, type, key, location, numel] = pid as unknown[];
      if (!(type instanceof PickleGlobal) || !storageTypes[type.name]) return fail(`persistent id names ${describe(type)} instead of a storage type`);
      if (typeof key !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(key) || key.startsWith('.')) return fail(`persistent id has the storage key ${describe(key)}`);
      if (!int(numel) || numel < 0) return fail(`storage '${key}' has the element count ${describe(numel)}`);
      const dtype = storageTypes[(type as PickleGlobal).name];
      const known = storages.get(key as string);
      if (known) {
        if (known.dtype !== dtype) fail(`storage '${key}' is used as ${known.dtype} and as ${dtype}; vlsm cannot reinterpret storages`);
        return known;
      }
      const ref = new StorageRef(key as string, dtype, numel as number, String(location), options.storageDir);
      storages.set(key as string, ref);
      return ref;
    },
  };
}

/** Unpickles `<root>/<entry>` of an archive under the restricted policy; tensors stay PickledTensors. */
export function unpickleEntry(archive: TorchArchive, options: PolicyOptions): unknown {
  const data = archive.read(options.entry);
  return unpickle(data, torchPolicy(archive.path, options), archive.path, options.entry);
}

// ---- materializing PickledTensors into Tensors --------------------------------------------------

/** The entries of a container, as [key, value] pairs; undefined for a leaf. */
function containerEntries(value: unknown): Iterable<[unknown, unknown]> | undefined {
  if (value instanceof Map) return value;
  if (value instanceof ScriptObject) return value.attributes;
  if (Array.isArray(value)) return value.entries();
  if (value instanceof Set) return [...value].entries();
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) return Object.entries(value);
  return undefined;
}

/**
 * Every PickledTensor in a value, once each, with the first path that reaches it (depth first, in
 * order). Iterative, so nesting depth is no limit; each container is visited once.
 */
export function collectPickledTensors(value: unknown): Map<PickledTensor, string> {
  const out = new Map<PickledTensor, string>();
  const seen = new Set<unknown>();
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [v, prefix] = stack.pop()!;
    if (v instanceof PickledTensor) {
      if (!out.has(v)) out.set(v, prefix);
      continue;
    }
    if (seen.has(v)) continue;
    const entries = containerEntries(v);
    if (!entries) continue;
    seen.add(v);
    const children: [unknown, string][] = [];
    for (const [k, child] of entries) children.push([child, prefix === '' ? String(k) : `${prefix}.${String(k)}`]);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return out;
}

/**
 * Turns PickledTensors into Tensors. Each storage is read once; tensors over it are strided views
 * (`as_strided`), so tensors that shared a storage in PyTorch share it here too. A view that is
 * the only user of a storage and covers only part of it is copied out, so the rest is freed.
 */
export function materializeTensors(archive: TorchArchive, pickled: Iterable<[PickledTensor, string]>, device?: Device): Map<PickledTensor, Tensor> {
  const users = new Map<StorageRef, [PickledTensor, string][]>();
  for (const [p, name] of pickled) {
    const list = users.get(p.storage) ?? [];
    list.push([p, name]);
    users.set(p.storage, list);
  }
  const out = new Map<PickledTensor, Tensor>();
  const toDevice = (t: Tensor): Tensor => {
    if (device === undefined || device === 'cpu') return t;
    const moved = t.to(device);
    t.dispose();
    return moved;
  };
  try {
    for (const [ref, views] of users) {
      for (const [p, name] of views) checkBounds(archive.path, p, name);
      const [first] = views[0];
      if (views.length === 1 && first.offset === 0 && first.numel() === ref.numel && isContiguous(first.shape, first.stride)) {
        // The common case: one tensor that is its whole storage. Read it in its own shape, no view.
        out.set(first, toDevice(archive.loadStorage(ref, first.shape)));
        continue;
      }
      const storage = toDevice(archive.loadStorage(ref));
      try {
        for (const [p] of views) {
          let t: Tensor = asStrided(storage, p.shape, p.stride, p.offset);
          if (views.length === 1 && p.numel() < ref.numel) {
            const compact = t.clone();
            t.dispose();
            t = compact;
          }
          out.set(p, t);
        }
      } finally {
        storage.dispose(); // the views keep the storage alive as long as they need it
      }
    }
  } catch (error) {
    for (const t of out.values()) t.dispose();
    throw error;
  }
  return out;
}

function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

function checkBounds(file: string, p: PickledTensor, name: string): void {
  if (p.numel() === 0) return;
  const last = p.offset + p.shape.reduce((acc, d, i) => acc + (d - 1) * p.stride[i], 0);
  if (last >= p.storage.numel) {
    throw new CheckpointError(
      `${file}: tensor '${name}' (size [${p.shape.join(', ')}], stride [${p.stride.join(', ')}], offset ${p.offset}) reaches element ${last} of storage '${p.storage.key}', which has ${p.storage.numel}`,
      file,
      name,
    );
  }
}

/**
 * Replaces every PickledTensor in `value` by its Tensor: containers are rebuilt (not mutated), each
 * once, so shared containers stay shared. Iterative: copies are made first, then filled.
 */
export function substituteTensors(value: unknown, tensors: Map<PickledTensor, Tensor>): unknown {
  const copies = new Map<unknown, unknown>();
  const copyOf = (v: unknown): unknown => {
    if (v instanceof PickledTensor) return tensors.get(v);
    if (copies.has(v)) return copies.get(v);
    let copy: unknown;
    if (v instanceof Map) copy = new Map();
    else if (v instanceof ScriptObject) copy = new ScriptObject(v.className);
    else if (Array.isArray(v)) copy = [];
    else if (v instanceof Set) copy = new Set();
    else if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) copy = {};
    else return v;
    copies.set(v, copy);
    pending.push(v);
    return copy;
  };
  const pending: unknown[] = [];
  const result = copyOf(value);
  const frozen: unknown[][] = [];
  while (pending.length > 0) {
    const original = pending.pop();
    const copy = copies.get(original);
    if (original instanceof Map) for (const [k, v] of original) (copy as Map<unknown, unknown>).set(k, copyOf(v));
    else if (original instanceof ScriptObject) for (const [k, v] of original.attributes) (copy as ScriptObject).attributes.set(k, copyOf(v));
    else if (Array.isArray(original)) {
      for (const v of original) (copy as unknown[]).push(copyOf(v));
      if (Object.isFrozen(original)) frozen.push(copy as unknown[]);
    } else if (original instanceof Set) for (const v of original) (copy as Set<unknown>).add(copyOf(v));
    else for (const [k, v] of Object.entries(original as object)) (copy as Record<string, unknown>)[k] = copyOf(v);
  }
  for (const tuple of frozen) Object.freeze(tuple);
  return result;
}
