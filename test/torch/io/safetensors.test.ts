// safetensors: round trips of every dtype, the writer's layout, and every malformed header the
// reader must refuse with a message naming the file, the tensor and the problem.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CheckpointError } from '../../../src/errors.js';
import { torch } from '../../../src/index.js';
import { loadSafetensors, readSafetensorsHeader, saveSafetensors } from '../../../src/torch/io/index.js';
import { fixturePath } from '../../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vlsm-safetensors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A safetensors file from a header (object or raw text) and data bytes; `length` overrides the prefix. */
function writeRaw(name: string, header: object | string, data: Uint8Array = new Uint8Array(0), length?: bigint): string {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(length ?? BigInt(json.length));
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([prefix, json, data]));
  return path;
}

function sample(dtype: torch.DType): torch.Tensor {
  const values = dtype === 'bool' ? [true, false, true, true, false, false] : dtype === 'uint8' ? [0, 1, 127, 128, 200, 255] : [-3, -1.5, 0, 0.25, 2, 100];
  const v = dtype.startsWith('int') ? values.map((x) => Math.trunc(x as number)) : values;
  return torch.tensor(v as number[], { dtype }).reshape([2, 3]);
}

describe('saveSafetensors and loadSafetensors', () => {
  it('round-trips every dtype bit for bit, with shapes and metadata', () => {
    const path = join(dir, 'all.safetensors');
    const tensors = new Map(torch.dtypes.map((d) => [`t.${d}`, sample(d)]));
    tensors.set('scalar', torch.tensor([4.5]).reshape([]));
    tensors.set('empty', torch.zeros([0, 3]));
    saveSafetensors(path, tensors, { format: 'pt', note: 'round trip' });
    const loaded = loadSafetensors(path);
    assert.deepEqual([...loaded.keys()], [...tensors.keys()].sort());
    for (const [name, t] of tensors) {
      const back = loaded.get(name)!;
      assert.equal(back.dtype, t.dtype, name);
      assert.deepEqual(back.shape, t.shape, name);
      assert.deepEqual(new Uint8Array(back.bytes()), new Uint8Array(t.bytes()), name);
    }
    assert.deepEqual(readSafetensorsHeader(path).metadata, { format: 'pt', note: 'round trip' });
  });

  it('writes the header sorted by name, padded with spaces to a multiple of 8, and the data aligned largest element first', () => {
    const path = join(dir, 'layout.safetensors');
    saveSafetensors(path, { b: torch.ones([3], { dtype: 'uint8' }), a: torch.ones([2], { dtype: 'float64' }), c: torch.ones([1], { dtype: 'float32' }) });
    const raw = readFileSync(path);
    const length = Number(raw.readBigUInt64LE(0));
    assert.equal(length % 8, 0);
    const text = raw.subarray(8, 8 + length).toString('utf8');
    assert.match(text, / *$/);
    assert.deepEqual(Object.keys(JSON.parse(text)), ['a', 'b', 'c']);
    const header = readSafetensorsHeader(path);
    assert.deepEqual(header.tensors.get('a'), { dtype: 'F64', shape: [2], dataOffsets: [0, 16] });
    assert.deepEqual(header.tensors.get('c'), { dtype: 'F32', shape: [1], dataOffsets: [16, 20] });
    assert.deepEqual(header.tensors.get('b'), { dtype: 'U8', shape: [3], dataOffsets: [20, 23] });
    assert.equal(header.dataStart, 8 + length);
  });

  it('writes non-contiguous tensors as their row-major elements', () => {
    const path = join(dir, 'transposed.safetensors');
    saveSafetensors(path, { t: torch.arange(6).reshape([2, 3]).t() });
    assert.deepEqual(loadSafetensors(path).get('t')!.toArray(), [[0, 3], [1, 4], [2, 5]]);
  });

  it('replaces a file atomically and leaves no temporary file behind, even when writing fails', () => {
    const path = join(dir, 'atomic.safetensors');
    saveSafetensors(path, { x: torch.ones([2]) });
    const before = readFileSync(path);
    const gone = torch.ones([2]);
    gone.dispose();
    assert.throws(() => saveSafetensors(path, { x: gone }), { name: 'CheckpointError', message: `${path}: tensor 'x' is disposed` });
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('atomic') && f.endsWith('.tmp')), []);
  });

  it('reads a file written by Python and loads only the names asked for', () => {
    const path = fixturePath('io', 'tiny_scripted.expected.safetensors');
    const header = readSafetensorsHeader(path);
    assert.equal(header.tensors.size, 14);
    assert.deepEqual(header.tensors.get('block.bn.num_batches_tracked')?.shape, []);
    const loaded = loadSafetensors(path, { names: ['block.bn.running_mean', 'block.bn.num_batches_tracked'] });
    assert.deepEqual([...loaded.keys()], ['block.bn.running_mean', 'block.bn.num_batches_tracked']);
    assert.deepEqual(Array.from(loaded.get('block.bn.running_mean')!.data() as Float32Array), [0.1, 0.2, 0.3].map(Math.fround));
    assert.equal(loaded.get('block.bn.num_batches_tracked')!.item(), 5);
    assert.throws(() => loadSafetensors(path, { names: ['nope'] }), { name: 'CheckpointError', message: `${path}: has no tensor 'nope'` });
  });

  it('loads the CRIS tiny fixture: 320 tensors with its metadata', () => {
    const path = fixturePath('cris-tiny', 'model.safetensors');
    const loaded = loadSafetensors(path);
    assert.equal(loaded.size, 320);
    assert.equal(readSafetensorsHeader(path).metadata.format, 'pt');
    assert.deepEqual(loaded.get('backbone.visual.conv1.weight')!.shape, [2, 3, 3, 3]);
    for (const t of loaded.values()) t.dispose();
  });
});

describe('readSafetensorsHeader refuses malformed files', () => {
  const f32 = (n: number): Uint8Array => new Uint8Array(4 * n);
  const refuses = (path: string, message: string, key?: string): void => {
    assert.throws(() => loadSafetensors(path), (e: unknown) => {
      assert.ok(e instanceof CheckpointError);
      assert.equal(e.message, message);
      assert.equal(e.file, path);
      assert.equal(e.key, key);
      return true;
    });
  };

  it('a file shorter than the 8-byte length', () => {
    const path = join(dir, 'short.safetensors');
    writeFileSync(path, Buffer.from([1, 2, 3]));
    refuses(path, `${path}: the file is 3 bytes long, too short for a safetensors header (an 8-byte length, then JSON)`);
  });

  it('a header length larger than the file', () => {
    const path = writeRaw('long.safetensors', {}, new Uint8Array(0), 1000n);
    refuses(path, `${path}: the header length 1000 is larger than the file (10 bytes); the file is truncated or not safetensors`);
  });

  it('a header that is not JSON', () => {
    const path = writeRaw('notjson.safetensors', '{"a": [1,');
    assert.throws(() => loadSafetensors(path), { name: 'CheckpointError', message: new RegExp(`^${path}: the header is not valid JSON \\(`) });
  });

  it('a header that is JSON but not an object', () => {
    const path = writeRaw('array.safetensors', '[1, 2]');
    refuses(path, `${path}: the header is not a JSON object`);
  });

  it('an unknown dtype', () => {
    const path = writeRaw('dtype.safetensors', { w: { dtype: 'Q4', shape: [2], data_offsets: [0, 8] } }, f32(2));
    refuses(path, `${path}: tensor 'w': unknown dtype 'Q4'; vlsm reads F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL`, 'w');
  });

  it('a malformed shape or malformed offsets', () => {
    const shape = writeRaw('shape.safetensors', { w: { dtype: 'F32', shape: [2, -1], data_offsets: [0, 8] } }, f32(2));
    refuses(shape, `${shape}: tensor 'w': shape is not a list of non-negative integers`, 'w');
    const offsets = writeRaw('offsets.safetensors', { w: { dtype: 'F32', shape: [2], data_offsets: [0] } }, f32(2));
    refuses(offsets, `${offsets}: tensor 'w': data_offsets is not a pair of non-negative integers [begin, end]`, 'w');
    const reversed = writeRaw('reversed.safetensors', { w: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, f32(2));
    refuses(reversed, `${reversed}: tensor 'w': data_offsets [8, 0] end before they begin`, 'w');
  });

  it('a shape whose size differs from the span of its offsets', () => {
    const path = writeRaw('size.safetensors', { w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(2));
    refuses(path, `${path}: tensor 'w': shape [3] of F32 needs 12 bytes, but data_offsets [0, 8] span 8`, 'w');
  });

  it('overlapping tensors', () => {
    const path = writeRaw('overlap.safetensors', {
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    }, f32(3));
    refuses(path, `${path}: tensor 'b': data_offsets [4, 12] overlap those of 'a', which end at 8`, 'b');
  });

  it('a gap between tensors', () => {
    const path = writeRaw('gap.safetensors', {
      a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
    }, f32(3));
    refuses(path, `${path}: tensor 'b': data_offsets [8, 12] leave bytes [4, 8) of the data unused; tensors must be contiguous`, 'b');
  });

  it('offsets past the end of the data: a truncated file', () => {
    const path = join(dir, 'truncated.safetensors');
    saveSafetensors(path, { a: torch.ones([4]), b: torch.ones([4]) });
    const size = readFileSync(path).length;
    truncateSync(path, size - 6);
    refuses(path, `${path}: tensor 'b': data_offsets [16, 32] run past the end of the data (26 bytes after the header); the file is truncated`, 'b');
  });

  it('trailing bytes after the last tensor', () => {
    const path = writeRaw('trailing.safetensors', { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(2));
    refuses(path, `${path}: the tensors cover 4 bytes of data but 8 follow the header; the file has trailing bytes`);
  });

  it('metadata that is not a map of strings', () => {
    const path = writeRaw('meta.safetensors', { __metadata__: { epoch: 3 } });
    refuses(path, `${path}: __metadata__ entry 'epoch' is not a string`);
  });

  it('a file that does not exist', () => {
    const path = join(dir, 'missing.safetensors');
    refuses(path, `${path}: cannot open the safetensors file (ENOENT)`);
  });
});
