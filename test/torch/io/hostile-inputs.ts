// Builders for malformed and hostile checkpoints, made in the test rather than committed: a
// minimal zip writer (stored or deflated entries, sizes overridable to lie), torch.save-shaped
// archives around a given data.pkl, and a few pickles that used to escape as raw JS errors.
import { spawnSync } from 'node:child_process';
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipInput {
  name: string;
  data: Uint8Array;
  /** Deflate the entry (default: stored). */
  deflate?: boolean;
  /** What the directory claims, instead of the truth. */
  claimedSize?: number;
}

/** A zip archive of `entries`, with local headers, a central directory and its end record. */
export function makeZip(entries: readonly ZipInput[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const body = e.deflate ? deflateRawSync(e.data) : Buffer.from(e.data);
    const size = e.claimedSize ?? e.data.length;
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A torch.save-shaped archive: `archive/data.pkl` holding `pickle`, plus optional storages. */
export function torchArchive(pickle: Uint8Array, extra: readonly ZipInput[] = [], deflate = false): Buffer {
  return makeZip([{ name: 'archive/data.pkl', data: pickle, deflate }, { name: 'archive/byteorder', data: Buffer.from('little') }, ...extra]);
}

const PROTO2 = [0x80, 0x02];
const STOP = 0x2e;

/** `depth` lists nested in one another: [[[…]]], built with EMPTY_LIST and APPEND only. */
export function nestedListPickle(depth: number): Buffer {
  const out = Buffer.alloc(2 + depth * 2 + 1);
  out.set(PROTO2, 0);
  out.fill(0x5d, 2, 2 + depth); // EMPTY_LIST × depth
  out.fill(0x61, 2 + depth, 2 + 2 * depth - 1); // APPEND × (depth - 1)
  out[2 + 2 * depth - 1] = STOP;
  return out.subarray(0, 2 + 2 * depth);
}

/** A list that contains itself: L = []; L.append(L). */
export const selfListPickle = (): Buffer => Buffer.from([...PROTO2, 0x5d, 0x71, 0x00, 0x68, 0x00, 0x61, STOP]);

/** A dict whose key is a tuple holding a list that holds the tuple: {(L,): None} with L = [(L,)]. */
export const cyclicKeyPickle = (): Buffer =>
  Buffer.from([...PROTO2, 0x5d, 0x71, 0x00, 0x68, 0x00, 0x85, 0x71, 0x01, 0x61, 0x30, 0x7d, 0x68, 0x01, 0x4e, 0x73, STOP]);

/** collections.OrderedDict([None]): the pair is None. */
export const nullPairPickle = (): Buffer =>
  Buffer.concat([Buffer.from([...PROTO2]), Buffer.from('ccollections\nOrderedDict\n', 'latin1'), Buffer.from([0x28, 0x28, 0x4e, 0x6c, 0x74, 0x52, STOP])]);

/** A dict whose 'model' entry is the dict itself: the state-dict search would go round forever. */
export const selfWrapperPickle = (): Buffer =>
  Buffer.from([...PROTO2, 0x7d, 0x71, 0x00, 0x8c, 0x05, ...Buffer.from('model'), 0x68, 0x00, 0x73, STOP]);

/** Makes a FIFO (named pipe) at `path`; false where mkfifo is not available. */
export function makeFifo(path: string): boolean {
  return spawnSync('mkfifo', [path]).status === 0;
}

/**
 * Runs ES-module `code` in a child Node with a time limit, so a hang or a native crash fails the
 * test instead of stopping the runner. Returns its exit status, signal and output.
 */
export function runIsolated(code: string, timeoutMs = 20_000): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: timeoutMs });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}
