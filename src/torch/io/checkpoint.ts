// One front for every checkpoint format vlsm reads: safetensors, torch.save zip archives
// (.pth/.pt/.bin/.ckpt) and TorchScript archives. The format is told from the file's first bytes,
// not from its name. Nothing is executed: pickles go through the restricted unpickler.
import { closeSync, readSync } from 'node:fs';
import { CheckpointError } from '../../errors.js';
import type { Device } from '../device.js';
import type { DType } from '../dtype.js';
import { elementSize } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { openCheckpointFile, readingCheckpoint, readingCheckpointSync } from './checkpoint-file.js';
import { ScriptObject } from './pickle.js';
import { dtypeOfSafetensors, loadSafetensors, readSafetensorsHeader } from './safetensors.js';
import { readTorchScriptTensors, torchScriptStateDict } from './torchscript.js';
import { collectPickledTensors, materializeTensors, openTorchArchive, PickledTensor, substituteTensors, unpickleEntry, type TorchArchive } from './torch-zip.js';

export type CheckpointFormat = 'safetensors' | 'pytorch' | 'torchscript';

// torch.save's legacy (PyTorch < 1.6) format starts with a pickled magic number, 0x1950a86a20f9469cfc6c.
const LEGACY_MAGIC = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/** How to turn an old checkpoint into one vlsm reads, with PyTorch, once. */
const convertHint = (path: string): string =>
  `convert it once with PyTorch >= 1.6: python3 -c "import torch; torch.save(torch.load('${path}', map_location='cpu'), 'converted.pth')" ` +
  '(only for a file you trust: torch.load of the legacy format can run code), then `vlsm checkpoint convert converted.pth model.safetensors`';

/** Tells the format of a checkpoint from its first bytes; unreadable formats get an explaining error. */
export function detectCheckpointFormat(path: string): 'safetensors' | 'zip' {
  return readingCheckpointSync(path, () => detectFormat(path));
}

function detectFormat(path: string): 'safetensors' | 'zip' {
  let head: Buffer;
  const { fd } = openCheckpointFile(path);
  try {
    head = Buffer.alloc(512);
    head = head.subarray(0, readSync(fd, head, 0, 512, 0));
  } finally {
    closeSync(fd);
  }
  if (head.length >= 4 && head.readUInt32LE(0) === 0x04034b50) return 'zip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0x06054b50) return 'zip';
  if (head.length >= 9 && head[8] === 0x7b /* { */) return 'safetensors';
  if (path.endsWith('.safetensors')) return 'safetensors'; // let the header reader say what is wrong
  if (head.length >= 14 && head[0] === 0x80 && LEGACY_MAGIC.every((b, i) => head[i + 2] === b)) {
    throw new CheckpointError(`${path}: a legacy torch.save file (PyTorch < 1.6, not a zip archive), which vlsm does not read; ${convertHint(path)}`, path);
  }
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') {
    throw new CheckpointError(`${path}: a tar-format torch.save file (PyTorch <= 0.3), which vlsm does not read; ${convertHint(path)}`, path);
  }
  if (head.length >= 2 && head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) {
    throw new CheckpointError(
      `${path}: a bare Python pickle, not a torch.save zip archive or safetensors file; vlsm does not read pickles outside torch archives (save the tensors with torch.save or safetensors)`,
      path,
    );
  }
  throw new CheckpointError(`${path}: not a checkpoint vlsm reads (expected safetensors, a torch.save zip archive or a TorchScript archive)`, path);
}

export interface LoadCheckpointOptions {
  /** Where tensors go (default cpu). */
  device?: Device;
}

/**
 * The whole content of a checkpoint, tensors materialized: for torch.save archives the unpickled
 * object (dicts as Maps, lists and tuples as arrays, argparse.Namespace as a plain object, bytes as
 * Uint8Array), for TorchScript the module tree as ScriptObjects, for safetensors a Map by name.
 */
export async function loadPytorchCheckpoint(path: string, options: LoadCheckpointOptions = {}): Promise<unknown> {
  return readingCheckpoint(path, async () => {
    if (detectCheckpointFormat(path) === 'safetensors') return loadSafetensors(path, options);
    const archive = await openTorchArchive(path);
    const tree = unpickleEntry(archive, { entry: 'data.pkl', storageDir: 'data', torchScript: archive.isTorchScript });
    const tensors = materializeTensors(archive, collectPickledTensors(tree), options.device);
    return substituteTensors(tree, tensors);
  });
}

export interface LoadStateDictOptions extends LoadCheckpointOptions {
  /**
   * Prefixes removed from names that start with them, in order (e.g. ['module.']). By default,
   * 'module.' (DataParallel's) is removed when every name starts with it.
   */
  stripPrefix?: readonly string[];
  /** The key of the state dict in the checkpoint's top-level dict (default: found, see below). */
  key?: string;
}

const WRAPPER_KEYS = ['state_dict', 'model', 'module', 'model_state_dict', 'net'];

function isDict(v: unknown): v is Map<unknown, unknown> {
  return v instanceof Map;
}

/** Keys of a dict, for error messages. */
function keysOf(v: unknown): string {
  if (isDict(v)) return [...v.keys()].slice(0, 12).map(String).join(', ') + (v.size > 12 ? ', …' : '');
  if (v instanceof ScriptObject) return `an object of class ${v.className}`;
  return typeof v;
}

/** Finds the state dict in a checkpoint: the top-level dict, or under a wrapper key. */
function findStateDict(path: string, root: unknown, key?: string): Map<unknown, unknown> {
  if (key !== undefined) {
    if (!isDict(root) || !root.has(key)) throw new CheckpointError(`${path}: has no top-level key '${key}' (keys: ${keysOf(root)})`, path, key);
    const value = root.get(key);
    if (!isDict(value)) throw new CheckpointError(`${path}: '${key}' is not a dict of tensors`, path, key);
    return value;
  }
  let current = root;
  const visited = new Set<unknown>();
  for (;;) {
    if (visited.has(current)) throw new CheckpointError(`${path}: holds no state dict: its wrapper dicts refer to each other in a cycle`, path);
    visited.add(current);
    if (!isDict(current)) throw new CheckpointError(`${path}: holds no dict of tensors (the top level is ${keysOf(root)})`, path);
    const values = [...current.values()];
    if (values.some((v) => v instanceof PickledTensor)) return current;
    const wrapper = WRAPPER_KEYS.find((k) => isDict(current instanceof Map ? current.get(k) : undefined));
    if (wrapper === undefined) {
      throw new CheckpointError(`${path}: holds no state dict: no tensors at the top level and none of the keys ${WRAPPER_KEYS.join(', ')} (keys: ${keysOf(current)}); name it with key`, path);
    }
    current = (current as Map<unknown, unknown>).get(wrapper);
  }
}

/**
 * Flattens nested dicts of tensors into dotted names; non-tensor leaves are left out. Iterative,
 * in the dicts' order, so nesting depth is no limit; a dict reached again (a cycle or a shared
 * sub-dict) is flattened once.
 */
function flattenTensors(dict: Map<unknown, unknown>): Map<string, PickledTensor> {
  const out = new Map<string, PickledTensor>();
  const seen = new Set<unknown>([dict]);
  const pending: Iterator<[unknown, unknown]>[] = [dict.entries()];
  const prefixes = [''];
  while (pending.length > 0) {
    const next = pending[pending.length - 1].next();
    if (next.done) {
      pending.pop();
      prefixes.pop();
      continue;
    }
    const [k, v] = next.value;
    const name = prefixes[prefixes.length - 1] + String(k);
    if (v instanceof PickledTensor) out.set(name, v);
    else if (isDict(v) && !seen.has(v)) {
      seen.add(v);
      pending.push(v.entries());
      prefixes.push(`${name}.`);
    }
  }
  return out;
}

/** Removes prefixes; by default 'module.' when every name has it. Collisions are errors. */
export function stripPrefixes(path: string, names: readonly string[], prefixes?: readonly string[]): string[] {
  const chosen = prefixes ?? (names.length > 0 && names.every((n) => n.startsWith('module.')) ? ['module.'] : []);
  const out = names.map((n) => {
    for (const p of chosen) if (p !== '' && n.startsWith(p)) n = n.slice(p.length);
    return n;
  });
  const seen = new Map<string, string>();
  out.forEach((n, i) => {
    const before = seen.get(n);
    if (before !== undefined) throw new CheckpointError(`${path}: '${before}' and '${names[i]}' both become '${n}' once prefixes ${JSON.stringify(chosen)} are removed`, path, n);
    seen.set(n, names[i]);
  });
  return out;
}

/**
 * The state dict of a checkpoint as tensors by name: safetensors, torch.save archives (the
 * top-level dict, or the one under 'state_dict', 'model', 'module', … — or `key`) and TorchScript
 * archives (parameters and buffers by module path). Only the state dict's tensors are read.
 */
export async function loadStateDict(path: string, options: LoadStateDictOptions = {}): Promise<Map<string, Tensor>> {
  return readingCheckpoint(path, async () => {
    if (detectCheckpointFormat(path) === 'safetensors') {
      const loaded = loadSafetensors(path, options);
      const names = stripPrefixes(path, [...loaded.keys()], options.stripPrefix);
      return new Map([...loaded.values()].map((t, i) => [names[i], t]));
    }
    const archive = await openTorchArchive(path);
    return archiveStateDict(archive, options);
  });
}

function archiveStateDict(archive: TorchArchive, options: LoadStateDictOptions): Map<string, Tensor> {
  let named: [string, PickledTensor][];
  if (archive.isTorchScript) {
    if (options.key !== undefined) throw new CheckpointError(`${archive.path}: a TorchScript archive has no keys; leave out key`, archive.path, options.key);
    const loaded = torchScriptStateDict(archive, options);
    const names = stripPrefixes(archive.path, [...loaded.keys()], options.stripPrefix);
    return new Map([...loaded.values()].map((t, i) => [names[i], t]));
  } else {
    const tree = unpickleEntry(archive, { entry: 'data.pkl', storageDir: 'data' });
    named = [...flattenTensors(findStateDict(archive.path, tree, options.key))];
  }
  const names = stripPrefixes(archive.path, named.map(([n]) => n), options.stripPrefix);
  const tensors = materializeTensors(archive, named.map(([n, p]) => [p, n] as [PickledTensor, string]), options.device);
  return new Map(named.map(([, p], i) => [names[i], tensors.get(p)!]));
}

// ---- inspection, without reading tensor data ----------------------------------------------------

export interface TensorInfo {
  name: string;
  dtype: DType;
  shape: number[];
  /** Bytes of the tensor's elements. */
  bytes: number;
  /** TorchScript only: parameter, buffer or plain attribute. */
  kind?: 'parameter' | 'buffer' | 'attribute';
}

export interface CheckpointInfo {
  path: string;
  format: CheckpointFormat;
  tensors: TensorInfo[];
  /** Sum of the tensors' bytes. */
  totalBytes: number;
  /** Sum of their elements. */
  totalElements: number;
  /** safetensors metadata; for archives, the non-tensor top-level entries (epoch, …) as text. */
  metadata: Record<string, string>;
}

/** Names, dtypes, shapes and sizes of every tensor in a checkpoint, reading only headers and pickles. */
export async function inspectCheckpoint(path: string): Promise<CheckpointInfo> {
  return readingCheckpoint(path, () => inspect(path));
}

async function inspect(path: string): Promise<CheckpointInfo> {
  let format: CheckpointFormat;
  let tensors: TensorInfo[];
  let metadata: Record<string, string> = {};
  if (detectCheckpointFormat(path) === 'safetensors') {
    const header = readSafetensorsHeader(path);
    format = 'safetensors';
    metadata = header.metadata;
    tensors = [...header.tensors].map(([name, e]) => ({ name, dtype: dtypeOfSafetensors(e.dtype), shape: e.shape, bytes: e.dataOffsets[1] - e.dataOffsets[0] }));
  } else {
    const archive = await openTorchArchive(path);
    if (archive.isTorchScript) {
      format = 'torchscript';
      tensors = readTorchScriptTensors(archive).map((t) => ({ name: t.name, dtype: t.tensor.dtype, shape: t.tensor.shape, bytes: t.tensor.nbytes, kind: t.kind }));
    } else {
      format = 'pytorch';
      const tree = unpickleEntry(archive, { entry: 'data.pkl', storageDir: 'data' });
      tensors = [...collectPickledTensors(tree)].map(([p, name]) => ({ name, dtype: p.dtype, shape: p.shape, bytes: p.numel() * elementSize(p.dtype) }));
      if (tree instanceof Map) {
        for (const [k, v] of tree) if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') metadata[String(k)] = String(v);
      }
    }
  }
  return {
    path,
    format,
    tensors,
    metadata,
    totalBytes: tensors.reduce((a, t) => a + t.bytes, 0),
    totalElements: tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0),
  };
}
