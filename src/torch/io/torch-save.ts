// Writing a state dict as torch.save does (the zip format of PyTorch ≥ 1.6): entries
// `<root>/data.pkl`, `<root>/byteorder`, `<root>/data/<i>` (one raw little-endian storage per
// tensor), `<root>/version`, stored uncompressed with each storage 64-byte aligned like
// PyTorch's writer, so torch.load and vlsm's own reader take the file.
import { basename } from 'node:path';
import { crc32 } from 'node:zlib';
import { writeStreamAtomic } from '../../atomic-write.js';
import { CheckpointError } from '../../errors.js';
import { elementSize, type DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { pickleStateDict, type PickledTensorSpec } from './pickle-writer.js';

const storageTypeOf: Record<DType, string> = {
  float32: 'FloatStorage', float64: 'DoubleStorage', float16: 'HalfStorage', bfloat16: 'BFloat16Storage',
  int64: 'LongStorage', int32: 'IntStorage', int16: 'ShortStorage', int8: 'CharStorage', uint8: 'ByteStorage', bool: 'BoolStorage',
};

/** The zip format's 32-bit limits; larger files would need ZIP64 records, which this writer does not write. */
const ZIP32_LIMIT = 0xffffffff;
const ALIGNMENT = 64;

export interface SaveTorchOptions {
  /** Save `{wrapKey: state_dict}` instead of the bare state dict (CRIS.pytorch's 'state_dict'). */
  wrapKey?: string;
  /** The archive's root folder name; torch.save uses the file name without its extension. */
  archiveName?: string;
}

interface CentralEntry {
  name: Buffer;
  crc: number;
  size: number;
  offset: number;
  extra: Buffer;
}

/**
 * Writes `tensors` (in map order) as a torch.save zip archive at `path`, atomically (a temporary
 * sibling renamed over it). Tensors are read back to the CPU one at a time.
 */
export function saveTorchStateDict(path: string, tensors: ReadonlyMap<string, Tensor>, options: SaveTorchOptions = {}): void {
  const root = options.archiveName ?? (basename(path).replace(/\.[^.]*$/, '') || 'archive');
  if (!/^[A-Za-z0-9_.-]+$/.test(root)) throw new CheckpointError(`${path}: archive name ${JSON.stringify(root)} must be letters, digits, '_', '.' or '-'`, path);
  const specs: PickledTensorSpec[] = [];
  let i = 0;
  for (const [name, t] of tensors) {
    if (t.isDisposed) throw new CheckpointError(`${path}: tensor '${name}' is disposed`, path, name);
    specs.push({ name, storageType: storageTypeOf[t.dtype], storageKey: String(i++), shape: t.shape });
  }
  try {
    writeStreamAtomic(path, (put) => writeArchive(path, root, tensors, specs, options.wrapKey, put));
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(`${path}: cannot write the torch.save archive: ${(error as Error).message}`, path, undefined, { cause: error });
  }
}

/** The archive's bytes in order, through `put`: entries, then the central directory and its end record. */
function writeArchive(path: string, root: string, tensors: ReadonlyMap<string, Tensor>, specs: readonly PickledTensorSpec[], wrapKey: string | undefined, put: (bytes: Uint8Array) => void): void {
  const central: CentralEntry[] = [];
  let offset = 0;
  const write = (data: Uint8Array): void => {
    put(data);
    offset += data.byteLength;
  };
  const entry = (name: string, data: Uint8Array): void => {
    const nameBytes = Buffer.from(`${root}/${name}`, 'utf8');
    const headerEnd = offset + 30 + nameBytes.length + 4;
    const pad = (ALIGNMENT - (headerEnd % ALIGNMENT)) % ALIGNMENT;
    const extra = Buffer.alloc(4 + pad);
    extra.writeUInt16LE(0x4246, 0); // 'FB': the padding field PyTorch's writer uses
    extra.writeUInt16LE(pad, 2);
    if (offset + 30 + nameBytes.length + extra.length + data.byteLength > ZIP32_LIMIT) {
      throw new CheckpointError(`${path}: more than 4 GiB; write safetensors instead (this writer makes no ZIP64 archives)`, path);
    }
    const crc = crc32(data);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4); // version needed
    header.writeUInt16LE(0, 6); // flags
    header.writeUInt16LE(0, 8); // stored
    header.writeUInt32LE(0, 10); // time, date
    header.writeUInt32LE(crc >>> 0, 14);
    header.writeUInt32LE(data.byteLength, 18);
    header.writeUInt32LE(data.byteLength, 22);
    header.writeUInt16LE(nameBytes.length, 26);
    header.writeUInt16LE(extra.length, 28);
    central.push({ name: nameBytes, crc, size: data.byteLength, offset, extra });
    write(header);
    write(nameBytes);
    write(extra);
    write(data);
  };
  entry('data.pkl', pickleStateDict(specs, wrapKey));
  entry('byteorder', Buffer.from('little'));
  for (const spec of specs) {
    const t = tensors.get(spec.name)!;
    const bytes = new Uint8Array(t.bytes());
    const expected = t.numel() * elementSize(t.dtype);
    if (bytes.byteLength !== expected) throw new CheckpointError(`${path}: tensor '${spec.name}' gave ${bytes.byteLength} bytes, expected ${expected}`, path, spec.name);
    entry(`data/${spec.storageKey}`, bytes);
  }
  entry('version', Buffer.from('3\n'));
  const directoryStart = offset;
  for (const e of central) {
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4); // version made by
    header.writeUInt16LE(20, 6); // version needed
    header.writeUInt16LE(0, 8);
    header.writeUInt16LE(0, 10);
    header.writeUInt32LE(0, 12);
    header.writeUInt32LE(e.crc >>> 0, 16);
    header.writeUInt32LE(e.size, 20);
    header.writeUInt32LE(e.size, 24);
    header.writeUInt16LE(e.name.length, 28);
    header.writeUInt16LE(0, 30); // no extra field in the directory
    header.writeUInt16LE(0, 32); // comment
    header.writeUInt16LE(0, 34); // disk
    header.writeUInt16LE(0, 36); // internal attributes
    header.writeUInt32LE(0, 38); // external attributes
    header.writeUInt32LE(e.offset, 42);
    write(header);
    write(e.name);
  }
  const directorySize = offset - directoryStart;
  if (central.length > 0xffff || offset > ZIP32_LIMIT) throw new CheckpointError(`${path}: too many tensors or bytes for a zip archive without ZIP64`, path);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(central.length, 8);
  end.writeUInt16LE(central.length, 10);
  end.writeUInt32LE(directorySize, 12);
  end.writeUInt32LE(directoryStart, 16);
  write(end);
}
