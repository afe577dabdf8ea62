// Property-based fuzzing of the checkpoint loaders with fast-check, seeded and bounded so the
// suite stays fast: whatever the bytes, a loader either loads or throws a CheckpointError naming
// the file; never another error type, never a crash or a hang. Inputs are mutations of real small
// files (a safetensors file written here, torch.save archives from test/fixtures/io) and random
// headers and opcode streams.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { torch } from '../../../src/index.js';
import { CheckpointError } from '../../../src/errors.js';
import { loadPytorchCheckpoint, loadSafetensors, loadStateDict, openTorchArchive, saveSafetensors, unpickle } from '../../../src/torch/io/index.js';
import { torchPolicy } from '../../../src/torch/io/torch-zip.js';
import { fixturePath } from '../../helpers.js';
import { makeZip, torchArchive } from './hostile-inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'vlsm-fuzz-loaders-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `load`; passes when it loads or throws a CheckpointError that names `file`. */
async function loadsOrRefuses(file: string, load: () => unknown): Promise<void> {
  try {
    const value = await load();
    if (value instanceof Map) for (const t of value.values()) if (t instanceof torch.Tensor) t.dispose();
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw new Error(`${file}: expected a CheckpointError, got ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`);
    if (!error.message.includes(file)) throw new Error(`the CheckpointError does not name ${file}: ${error.message}`);
  }
}

/** Byte edits: positions are taken modulo the input length. */
const byteFlips = fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 });
const applyFlips = (input: Uint8Array, flips: { at: number; value: number }[]): Buffer => {
  const out = Buffer.from(input);
  for (const { at, value } of flips) out[at % out.length] = value;
  return out;
};

function realSafetensors(): Buffer {
  const path = join(dir, 'real.safetensors');
  torch.scope(() => saveSafetensors(path, { weight: torch.arange(0, 12, 1, { dtype: 'float32' }).reshape([3, 4]), bias: torch.tensor([1, 2, 3], { dtype: 'int64' }) }, { epoch: '3' }));
  return readFileSync(path);
}

describe('fuzzed safetensors files load or end in a CheckpointError naming the file', () => {
  const real = realSafetensors();
  const headerLength = Number(real.readBigUInt64LE(0));
  const file = join(dir, 'fuzz.safetensors');

  it('byte flips anywhere in a real file (seed 1201, 300 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(byteFlips, async (flips) => {
        writeFileSync(file, applyFlips(real, flips));
        await loadsOrRefuses(file, () => loadSafetensors(file));
      }),
      { seed: 1201, numRuns: 300 },
    );
  });

  it('byte flips inside the JSON header (seed 1202, 300 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(byteFlips, async (flips) => {
        const header = real.subarray(8, 8 + headerLength);
        const mutated = Buffer.concat([real.subarray(0, 8), applyFlips(header, flips), real.subarray(8 + headerLength)]);
        writeFileSync(file, mutated);
        await loadsOrRefuses(file, () => loadSafetensors(file));
      }),
      { seed: 1202, numRuns: 300 },
    );
  });

  it('random headers: any JSON value, entries with arbitrary fields, any length prefix (seed 1203, 300 runs)', async () => {
    const entry = fc.record(
      {
        dtype: fc.oneof(fc.constantFrom('F32', 'F16', 'BF16', 'I64', 'U8', 'BOOL', 'F64', 'Q4'), fc.anything()),
        shape: fc.oneof(fc.array(fc.integer({ min: -2, max: 1 << 20 }), { maxLength: 4 }), fc.anything()),
        data_offsets: fc.oneof(fc.tuple(fc.nat(1 << 20), fc.nat(1 << 20)), fc.array(fc.double(), { maxLength: 3 }), fc.anything()),
      },
      { requiredKeys: [] },
    );
    const header = fc.oneof(fc.dictionary(fc.oneof(fc.string(), fc.constant('__metadata__'), fc.constant('__proto__')), fc.oneof(entry, fc.anything()), { maxKeys: 4 }), fc.jsonValue());
    await fc.assert(
      fc.asyncProperty(header, fc.nat(64), fc.option(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), async (json, data, lengthOverride) => {
        const text = Buffer.from(JSON.stringify(json) ?? 'null');
        const prefix = Buffer.alloc(8);
        prefix.writeBigUInt64LE(lengthOverride ?? BigInt(text.length));
        writeFileSync(file, Buffer.concat([prefix, text, Buffer.alloc(data, 7)]));
        await loadsOrRefuses(file, () => loadSafetensors(file));
      }),
      { seed: 1203, numRuns: 300 },
    );
  });
});

describe('fuzzed pickles are unpickled or refused with a CheckpointError naming the file', () => {
  const FILE = 'fuzz.pth';
  const policy = () => torchPolicy(FILE, { entry: 'data.pkl', storageDir: 'data' });
  const unpickles = (bytes: Uint8Array): void => {
    try {
      unpickle(bytes, policy(), FILE, 'data.pkl');
    } catch (error) {
      if (!(error instanceof CheckpointError) || !error.message.startsWith(`${FILE}: `)) throw error;
    }
  };

  it('mutations of real torch.save pickles (seed 1204, 400 runs)', async () => {
    const pickles = await Promise.all(['dtypes.pth', 'views.pth', 'wrapped_state_dict.pth'].map(async (name) => (await openTorchArchive(fixturePath('io', name))).read('data.pkl')));
    fc.assert(
      fc.property(fc.nat(pickles.length - 1), byteFlips, fc.option(fc.record({ at: fc.nat(), length: fc.nat(16) })), (which, flips, cut) => {
        let bytes = applyFlips(pickles[which], flips);
        if (cut) bytes = Buffer.concat([bytes.subarray(0, cut.at % bytes.length), bytes.subarray((cut.at % bytes.length) + cut.length)]);
        unpickles(bytes);
      }),
      { seed: 1204, numRuns: 400 },
    );
  });

  // Opcodes with their argument bytes, weighted to build containers, memoize and reuse them.
  const op = fc.oneof(
      fc.constantFrom([0x5d], [0x7d], [0x29], [0x8f], [0x28], [0x4e], [0x88], [0x30], [0x31], [0x32], [0x61], [0x65], [0x73], [0x75], [0x6c], [0x74], [0x64], [0x85], [0x86], [0x87], [0x90], [0x91], [0x94], [0x52], [0x81], [0x62], [0x51]),
      fc.integer({ min: 0, max: 3 }).map((i) => [0x71, i]),
      fc.integer({ min: 0, max: 3 }).map((i) => [0x68, i]),
      fc.integer({ min: 0, max: 255 }).map((i) => [0x4b, i]),
      fc.constantFrom('collections\nOrderedDict\n', 'torch._utils\n_rebuild_tensor_v2\n', 'torch\nFloatStorage\n', 'builtins\nset\n', 'os\nsystem\n').map((g) => [0x63, ...Buffer.from(g, 'latin1')]),
      fc.constantFrom(['storage'], ['k', 0]).map(() => [0x8c, 0x07, ...Buffer.from('storage')]),
      fc.uint8Array({ maxLength: 3 }).map((b) => [...b]),
  );

  it('random opcode streams with memo and stack traffic (seed 1205, 500 runs)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.boolean(), (ops, stop) => {
        unpickles(Uint8Array.from([0x80, 0x02, ...ops.flat(), ...(stop ? [0x2e] : [])]));
      }),
      { seed: 1205, numRuns: 500 },
    );
  });

  it('random opcode streams through the whole loader, in a torch.save archive (seed 1208, 300 runs)', async () => {
    const file = join(dir, 'fuzz-pickle.pth');
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        writeFileSync(file, torchArchive(Uint8Array.from([0x80, 0x02, ...ops.flat(), 0x2e])));
        await loadsOrRefuses(file, () => loadPytorchCheckpoint(file));
        await loadsOrRefuses(file, () => loadStateDict(file));
      }),
      { seed: 1208, numRuns: 300 },
    );
  });
});

describe('fuzzed zip archives load or end in a CheckpointError naming the file', () => {
  const file = join(dir, 'fuzz.pth');

  it('byte flips of real torch.save archives, stored and deflated (seed 1206, 250 runs)', async () => {
    const archives = ['dtypes.pth', 'dtypes_deflated.pth', 'views.pth'].map((name) => readFileSync(fixturePath('io', name)));
    await fc.assert(
      fc.asyncProperty(fc.nat(archives.length - 1), byteFlips, async (which, flips) => {
        writeFileSync(file, applyFlips(archives[which], flips));
        await loadsOrRefuses(file, () => loadStateDict(file));
      }),
      { seed: 1206, numRuns: 250 },
    );
  });

  it('archives whose directory lies about sizes and methods (seed 1207, 250 runs)', async () => {
    const pickle = Buffer.from([0x80, 0x02, 0x7d, 0x2e]);
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.option(fc.nat()), fc.nat(40), fc.integer({ min: 0, max: 255 }), async (deflate, claimed, at, value) => {
        const zip = makeZip([
          { name: 'archive/data.pkl', data: pickle, deflate, claimedSize: claimed ?? undefined },
          { name: 'archive/byteorder', data: Buffer.from('little') },
        ]);
        const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
        zip[central + 4 + at] = value;
        writeFileSync(file, zip);
        await loadsOrRefuses(file, () => loadStateDict(file));
      }),
      { seed: 1207, numRuns: 250 },
    );
  });
});

it('the fuzz targets are real: an unmutated file loads', async () => {
  const real = join(dir, 'unmutated.pth');
  writeFileSync(real, readFileSync(fixturePath('io', 'dtypes.pth')));
  const tensors = await loadStateDict(real);
  assert.ok(tensors.size > 0);
  for (const t of tensors.values()) t.dispose();
});
