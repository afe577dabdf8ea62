// safetensors (huggingface/safetensors): an 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {string: string}}, then the
// tensors' bytes back to back. Only the header is parsed in JS; each tensor's bytes go straight
// from the file into libtorch memory (native fromFile), so a checkpoint is never held twice.
import { closeSync, openSync, readSync } from 'node:fs';
import { writeStreamAtomic } from '../../atomic-write.js';
import { CheckpointError } from '../../errors.js';
import type { Device } from '../device.js';
import { dtypeCode, elementSize, type DType } from '../dtype.js';
import { native } from '../native.js';
import { Tensor } from '../tensor.js';
import { openCheckpointFile, readingCheckpointSync } from './checkpoint-file.js';

/** safetensors dtype names and vlsm's. */
const fromSafetensorsDtype: Record<string, DType> = {
  F64: 'float64', F32: 'float32', F16: 'float16', BF16: 'bfloat16',
  I64: 'int64', I32: 'int32', I16: 'int16', I8: 'int8', U8: 'uint8', BOOL: 'bool',
};
const toSafetensorsDtype = Object.fromEntries(Object.entries(fromSafetensorsDtype).map(([k, v]) => [v, k])) as Record<DType, string>;

/** The official readers refuse headers above 100 MB; so do we, before allocating anything. */
const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsEntry {
  /** safetensors' name: F32, BF16, … */
  dtype: string;
  shape: number[];
  /** [begin, end) relative to the start of the data section. */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  /** By name, in the header's order. */
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
  /** Byte offset of the data section in the file (8 + header length). */
  dataStart: number;
  /** Size of the file in bytes. */
  fileSize: number;
}

/** vlsm's dtype for a safetensors dtype name (F32 → float32). */
export function dtypeOfSafetensors(name: string): DType {
  const d = fromSafetensorsDtype[name];
  if (!d) throw new TypeError(`unknown safetensors dtype '${name}'`);
  return d;
}

/** Up to `length` bytes at `position` (fewer only at the end of the file). */
export function readExactly(fd: number, length: number, position: number): Buffer {
  const buffer = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buffer, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buffer : buffer.subarray(0, got);
}

/**
 * Reads and validates the header of a safetensors file without reading any tensor data.
 * Every problem is a CheckpointError naming the file, the tensor and what is wrong.
 */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  return readingCheckpointSync(path, () => readHeader(path));
}

function readHeader(path: string): SafetensorsHeader {
  const fail = (problem: string, key?: string): never => {
    throw new CheckpointError(`${path}: ${key === undefined ? '' : `tensor '${key}': `}${problem}`, path, key);
  };
  const { fd, size: fileSize } = openCheckpointFile(path, 'safetensors file');
  let headerText: string;
  let headerLength: number;
  try {
    if (fileSize < 8) fail(`the file is ${fileSize} bytes long, too short for a safetensors header (an 8-byte length, then JSON)`);
    const length = readExactly(fd, 8, 0).readBigUInt64LE(0);
    if (length > BigInt(fileSize - 8)) fail(`the header length ${length} is larger than the file (${fileSize} bytes); the file is truncated or not safetensors`);
    if (length > BigInt(MAX_HEADER_BYTES)) fail(`the header length ${length} exceeds safetensors' limit of ${MAX_HEADER_BYTES} bytes`);
    headerLength = Number(length);
    try {
      headerText = new TextDecoder('utf-8', { fatal: true }).decode(readExactly(fd, headerLength, 8));
    } catch {
      return fail('the header is not valid UTF-8');
    }
  } finally {
    closeSync(fd);
  }
  let json: unknown;
  try {
    json = JSON.parse(headerText);
  } catch (cause) {
    return fail(`the header is not valid JSON (${(cause as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('the header is not a JSON object');

  const dataStart = 8 + headerLength;
  const dataSize = fileSize - dataStart;
  const tensors = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('__metadata__ is not an object of strings');
      for (const [k, v] of Object.entries(value as object)) if (typeof v !== 'string') fail(`__metadata__ entry '${k}' is not a string`);
      metadata = { ...(value as Record<string, string>) };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('the entry is not an object with dtype, shape and data_offsets', key);
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (typeof dtype !== 'string') fail('dtype is missing or not a string', key);
    if (!fromSafetensorsDtype[dtype as string]) {
      fail(`unknown dtype '${String(dtype)}'; vlsm reads ${Object.keys(fromSafetensorsDtype).join(', ')}`, key);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail('shape is not a list of non-negative integers', key);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail('data_offsets is not a pair of non-negative integers [begin, end]', key);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(`data_offsets [${begin}, ${end}] end before they begin`, key);
    const bytes = (shape as number[]).reduce((a, b) => a * b, 1) * elementSize(fromSafetensorsDtype[dtype as string]);
    if (!Number.isSafeInteger(bytes)) fail(`shape [${(shape as number[]).join(', ')}] of ${dtype} needs more bytes than any file holds`, key);
    if (bytes !== end - begin) {
      fail(`shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${bytes} bytes, but data_offsets [${begin}, ${end}] span ${end - begin}`, key);
    }
    if (end > dataSize) {
      fail(`data_offsets [${begin}, ${end}] run past the end of the data (${dataSize} bytes after the header); the file is truncated`, key);
    }
    tensors.set(key, { dtype: dtype as string, shape: shape as number[], dataOffsets: [begin, end] });
  }

  // The data section must be covered exactly: no overlap, no gap, nothing after the last tensor.
  const byOffset = [...tensors].sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1]);
  let covered = 0;
  let previous: string | undefined;
  for (const [key, { dataOffsets: [begin, end] }] of byOffset) {
    if (begin < covered) fail(`data_offsets [${begin}, ${end}] overlap those of '${previous}', which end at ${covered}`, key);
    if (begin > covered) fail(`data_offsets [${begin}, ${end}] leave bytes [${covered}, ${begin}) of the data unused; tensors must be contiguous`, key);
    covered = end;
    previous = key;
  }
  if (covered !== dataSize) fail(`the tensors cover ${covered} bytes of data but ${dataSize} follow the header; the file has trailing bytes`);
  return { tensors, metadata, dataStart, fileSize };
}

export interface LoadSafetensorsOptions {
  /** Where the tensors go (default cpu). They are read to the CPU, then moved. */
  device?: Device;
  /** Load only these names (default all). A missing name is an error. */
  names?: readonly string[];
}

/** Loads every tensor of a safetensors file, by name in the header's order. */
export function loadSafetensors(path: string, options: LoadSafetensorsOptions = {}): Map<string, Tensor> {
  return readingCheckpointSync(path, () => loadTensors(path, options));
}

function loadTensors(path: string, options: LoadSafetensorsOptions): Map<string, Tensor> {
  const header = readSafetensorsHeader(path);
  const names = options.names ?? [...header.tensors.keys()];
  const out = new Map<string, Tensor>();
  try {
    for (const name of names) {
      const entry = header.tensors.get(name);
      if (!entry) throw new CheckpointError(`${path}: has no tensor '${name}'`, path, name);
      const dtype = fromSafetensorsDtype[entry.dtype];
      let t: Tensor;
      try {
        t = new Tensor(native().fromFile(path, header.dataStart + entry.dataOffsets[0], dtypeCode(dtype), entry.shape));
      } catch (cause) {
        throw new CheckpointError(`${path}: tensor '${name}': ${(cause as Error).message}`, path, name, { cause });
      }
      if (options.device !== undefined && options.device !== 'cpu') {
        const moved = t.to(options.device);
        t.dispose();
        t = moved;
      }
      out.set(name, t);
    }
  } catch (error) {
    for (const t of out.values()) t.dispose();
    throw error;
  }
  return out;
}

/**
 * Writes tensors as safetensors, atomically: to a temporary file in the same folder, tensor by
 * tensor, then renamed over `path`. Header keys are sorted by name; the data is laid out largest
 * element first, then by name, so every tensor is aligned to its element size; the header is padded
 * with spaces to a multiple of 8 bytes, as the official writer does.
 */
export function saveSafetensors(path: string, tensors: Map<string, Tensor> | Record<string, Tensor>, metadata?: Record<string, string>): void {
  const entries = (tensors instanceof Map ? [...tensors] : Object.entries(tensors)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, t] of entries) {
    if (name === '' || name === '__metadata__') throw new CheckpointError(`${path}: cannot write a tensor named '${name}'`, path, name);
    if (!t || (t as Tensor).isTensor !== true) throw new CheckpointError(`${path}: '${name}' is not a Tensor`, path, name);
    if (t.isDisposed) throw new CheckpointError(`${path}: tensor '${name}' is disposed`, path, name);
  }
  for (const [k, v] of Object.entries(metadata ?? {})) {
    if (typeof v !== 'string') throw new CheckpointError(`${path}: metadata '${k}' must be a string, got ${typeof v}`, path, k);
  }
  const layout = [...entries].sort(([a, ta], [b, tb]) => elementSize(tb.dtype) - elementSize(ta.dtype) || (a < b ? -1 : a > b ? 1 : 0));
  const offsets = new Map<string, [number, number]>();
  let offset = 0;
  for (const [name, t] of layout) {
    const bytes = t.numel() * elementSize(t.dtype);
    offsets.set(name, [offset, offset + bytes]);
    offset += bytes;
  }
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  for (const [name, t] of entries) {
    header[name] = { dtype: toSafetensorsDtype[t.dtype], shape: t.shape, data_offsets: offsets.get(name) };
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padding = (8 - (json.length % 8)) % 8;
  if (padding) json = Buffer.concat([json, Buffer.alloc(padding, 0x20)]);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));

  try {
    writeStreamAtomic(path, (put) => {
      put(prefix);
      put(json);
      for (const [name, t] of layout) {
        const bytes = new Uint8Array(t.bytes());
        const [begin, end] = offsets.get(name)!;
        if (bytes.byteLength !== end - begin) throw new CheckpointError(`${path}: tensor '${name}' gave ${bytes.byteLength} bytes, expected ${end - begin}`, path, name);
        put(bytes);
      }
    });
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(`${path}: cannot write the safetensors file: ${(error as Error).message}`, path, undefined, { cause: error });
  }
}
