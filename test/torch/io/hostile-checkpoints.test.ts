// A regression corpus of hostile and broken checkpoints, each made here as a small file: crafted
// pickles (deep nesting, reference cycles, a None where a pair belongs), files that are not
// regular files (directory, FIFO, /dev/zero), zip entries that lie about their sizes, and
// safetensors headers that do not add up. Every one must end in a CheckpointError naming the file.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CheckpointError } from '../../../src/errors.js';
import { inspectCheckpoint, loadPytorchCheckpoint, loadSafetensors, loadStateDict, loadTorchScript, readSafetensorsHeader } from '../../../src/torch/io/index.js';
import { repoRoot } from '../../helpers.js';
import { cyclicKeyPickle, makeFifo, nestedListPickle, nullPairPickle, runIsolated, selfListPickle, selfWrapperPickle, torchArchive } from './hostile-inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'vlsm-hostile-ckpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, bytes: Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

/** Asserts a CheckpointError whose message names `path` and matches `pattern`. */
async function refuses(load: () => Promise<unknown> | unknown, path: string, pattern: RegExp): Promise<void> {
  await assert.rejects(async () => load(), (error: unknown) => {
    assert.ok(error instanceof CheckpointError, `expected a CheckpointError, got ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`);
    assert.ok(error.message.includes(path), `the message names the file: ${error.message}`);
    assert.match(error.message, pattern);
    return true;
  });
}

const ioModule = JSON.stringify(join(repoRoot, 'dist', 'src', 'torch', 'io', 'index.js'));

describe('crafted pickles end in a CheckpointError naming the file', () => {
  it('reads 200,000 nested lists without running out of stack', async () => {
    const path = write('deep.pth', torchArchive(nestedListPickle(200_000)));
    let value = (await loadPytorchCheckpoint(path)) as unknown[];
    let depth = 1;
    while (value.length === 1) {
      value = value[0] as unknown[];
      depth++;
    }
    assert.equal(depth, 200_000);
  });

  it('refuses a list that contains itself', async () => {
    const path = write('self-list.pth', torchArchive(selfListPickle()));
    await refuses(() => loadPytorchCheckpoint(path), path, /contains itself/);
    await refuses(() => inspectCheckpoint(path), path, /contains itself/);
  });

  it('refuses a dict key that contains itself (was "Converting circular structure to JSON")', async () => {
    const path = write('cyclic-key.pth', torchArchive(cyclicKeyPickle()));
    await refuses(() => loadStateDict(path), path, /contains itself/);
  });

  it('wraps a None where OrderedDict expects a pair (was "Cannot read properties of null")', async () => {
    const path = write('null-pair.pth', torchArchive(nullPairPickle()));
    await refuses(() => loadPytorchCheckpoint(path), path, /data\.pkl is not a pickle vlsm can read: the opcode at byte \d+ fails/);
  });

  it('refuses a state-dict wrapper that is itself, instead of searching forever', () => {
    const path = write('self-wrapper.pth', torchArchive(selfWrapperPickle()));
    const child = runIsolated(`
      const { loadStateDict } = await import(${ioModule});
      try { await loadStateDict(${JSON.stringify(path)}); console.log('loaded'); }
      catch (e) { console.log(e.constructor.name + ': ' + e.message); }`);
    assert.equal(child.signal, null, `the loader hung or crashed: ${child.stderr}`);
    assert.match(child.stdout, /^CheckpointError: .*self-wrapper\.pth.*contains itself/);
  });
});

describe('only regular files are read as checkpoints', () => {
  it('names the path of a directory given as a checkpoint', async () => {
    const path = join(dir, 'folder.pth');
    mkdirSync(path);
    await refuses(() => loadStateDict(path), path, /is a directory, not a regular file/);
    const st = join(dir, 'folder.safetensors');
    mkdirSync(st);
    await refuses(() => loadSafetensors(st), st, /is a directory/);
    await refuses(() => loadTorchScript(path), path, /is a directory/);
  });

  it('refuses /dev/zero instead of reading it forever', { skip: !existsSync('/dev/zero') }, async () => {
    await refuses(() => loadStateDict('/dev/zero'), '/dev/zero', /is a character device/);
    await refuses(() => readSafetensorsHeader('/dev/zero'), '/dev/zero', /is a character device/);
  });

  it('refuses a FIFO instead of blocking on it', () => {
    const fifo = join(dir, 'pipe.safetensors');
    if (!makeFifo(fifo)) return;
    const child = runIsolated(`
      const io = await import(${ioModule});
      for (const load of [io.loadStateDict, io.loadTorchScript, io.inspectCheckpoint, (p) => io.loadSafetensors(p)]) {
        try { await load(${JSON.stringify(fifo)}); console.log('loaded'); }
        catch (e) { console.log(e.constructor.name + ': ' + e.message); }
      }`, 15_000);
    assert.equal(child.signal, null, 'the loader blocked on the FIFO');
    const lines = child.stdout.trim().split('\n');
    assert.equal(lines.length, 4, child.stdout + child.stderr);
    for (const line of lines) assert.match(line, /^CheckpointError: .*pipe\.safetensors: the (checkpoint|safetensors file) is a FIFO \(named pipe\), not a regular file/);
  });
});

describe('zip entries are inflated within their declared sizes and a budget', () => {
  it('refuses an entry that claims more than deflate can produce, before inflating it', async () => {
    const path = write('claims-1gib.pth', torchArchive(Buffer.from([0x80, 0x02, 0x7d, 0x2e]), [], true));
    // Rewrite the directory's uncompressed size of data.pkl to 1 GiB.
    const bytes = torchArchive(Buffer.from([0x80, 0x02, 0x7d, 0x2e]), [], true);
    const central = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bytes.writeUInt32LE(2 ** 30, central + 24);
    writeFileSync(path, bytes);
    await refuses(() => loadStateDict(path), path, /archive\/data\.pkl' claims 1073741824 bytes, more than the \d+ bytes such an entry may have|more than deflate can/);
  });

  it('stops inflating at the declared size (a 64 MiB bomb declared as 4 bytes)', async () => {
    const bomb = Buffer.alloc(64 * 1024 * 1024, 0x00);
    const path = write('bomb.pth', torchArchive(bomb, [], true));
    const bytes = torchArchive(bomb, [], true);
    const central = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bytes.writeUInt32LE(4, central + 24);
    writeFileSync(path, bytes);
    await refuses(() => loadStateDict(path), path, /inflates to more than the 4 bytes it declares/);
  });

  it('refuses an entry whose declared compressed size runs past the end of the file', async () => {
    const bytes = torchArchive(Buffer.from([0x80, 0x02, 0x7d, 0x2e]));
    const central = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bytes.writeUInt32LE(0x7fffffff, central + 20);
    bytes.writeUInt32LE(0x7fffffff, central + 24);
    const path = write('past-end.pth', bytes);
    await refuses(() => loadStateDict(path), path, /past the end of the file|more than the \d+ bytes/);
  });
});

describe('safetensors headers are validated', () => {
  const header = (json: unknown, data = 0): Buffer => {
    const text = Buffer.from(JSON.stringify(json));
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(text.length));
    return Buffer.concat([prefix, text, Buffer.alloc(data)]);
  };
  it('refuses a shape whose byte count is beyond any file', async () => {
    const path = write('huge-shape.safetensors', header({ w: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 4] } }, 4));
    await refuses(() => loadSafetensors(path), path, /tensor 'w': shape \[1099511627776, 1099511627776\] of F32 needs more bytes than any file holds/);
  });
  it('refuses offsets outside the file and mismatched byte counts, naming the tensor', async () => {
    const outside = write('outside.safetensors', header({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8));
    await refuses(() => loadSafetensors(outside), outside, /tensor 'w': data_offsets \[0, 16\] run past the end of the data/);
    const mismatch = write('mismatch.safetensors', header({ w: { dtype: 'F16', shape: [4], data_offsets: [0, 16] } }, 16));
    await refuses(() => loadSafetensors(mismatch), mismatch, /shape \[4\] of F16 needs 8 bytes/);
    const big = Buffer.alloc(16);
    big.writeBigUInt64LE(2n ** 62n);
    const lying = write('lying-length.safetensors', big);
    await refuses(() => readSafetensorsHeader(lying), lying, /header length \d+ is larger than the file/);
  });
});
