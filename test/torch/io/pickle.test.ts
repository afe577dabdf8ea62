// The restricted unpickler on hand-written opcode streams: values it builds, and what it refuses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unpickle } from '../../../src/torch/io/pickle.js';
import { PickledTensor, torchPolicy } from '../../../src/torch/io/torch-zip.js';

const FILE = 'ckpt.pth';
const policy = () => torchPolicy(FILE, { entry: 'data.pkl', storageDir: 'data' });
const load = (...parts: (number[] | string)[]): unknown => unpickle(pickle(...parts), policy(), FILE, 'data.pkl');

/** Bytes from opcode numbers and latin1 text. */
function pickle(...parts: (number[] | string)[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? Array.from(p, (c) => c.charCodeAt(0)) : p)));
}
const u32 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
const binunicode = (s: string): (number[] | string)[] => {
  const b = Buffer.from(s, 'utf8');
  return [[0x58, ...u32(b.length), ...b]];
};
const float = (v: number): number[] => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(v);
  return [0x47, ...b];
};

describe('the restricted unpickler', () => {
  it('builds numbers, strings, booleans, None, tuples, lists and dicts', () => {
    const value = load(
      [0x80, 2, 0x7d, 0x28], // PROTO 2, EMPTY_DICT, MARK
      ...binunicode('ints'), [0x28, 0x4b, 7, 0x4d, 0x2c, 0x01, 0x4a, ...u32(-5 >>> 0), 0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x74], // (7, 300, -5, 2**64)
      ...binunicode('misc'), [0x5d, 0x28], float(1.5), [0x88, 0x89, 0x4e, 0x8c, 2, 0xc3, 0xa9, 0x65], // [1.5, True, False, None, 'é']
      ...binunicode('pair'), [0x4b, 1, 0x4b, 2, 0x86], // (1, 2)
      [0x75, 0x2e], // SETITEMS, STOP
    );
    assert.ok(value instanceof Map);
    assert.deepEqual(value.get('ints'), [7, 300, -5, 2n ** 64n]);
    assert.deepEqual(value.get('misc'), [1.5, true, false, null, 'é']);
    assert.deepEqual(value.get('pair'), [1, 2]);
    assert.ok(Object.isFrozen(value.get('pair')));
  });

  it('reads the memo (BINPUT/BINGET, MEMOIZE) so shared values stay shared', () => {
    const value = load([0x80, 4, 0x5d, 0x94, 0x68, 0, 0x86, 0x2e]) as unknown[]; // l = []; (l, l)
    assert.equal(value[0], value[1]);
  });

  it('rebuilds a tensor reference from a persistent storage id without reading data', () => {
    const value = load(
      [0x80, 2], 'ctorch._utils\n_rebuild_tensor_v2\n', [0x28, 0x28], ...binunicode('storage'), 'ctorch\nHalfStorage\n', ...binunicode('0'), ...binunicode('cpu'),
      [0x4b, 6, 0x74, 0x51], // ('storage', HalfStorage, '0', 'cpu', 6) BINPERSID
      [0x4b, 0, 0x4b, 2, 0x4b, 3, 0x86, 0x4b, 3, 0x4b, 1, 0x86, 0x89], 'ccollections\nOrderedDict\n', [0x29, 0x52, 0x74, 0x52, 0x2e],
    );
    assert.ok(value instanceof PickledTensor);
    assert.deepEqual([value.dtype, value.shape, value.stride, value.offset, value.storage.key, value.nbytes], ['float16', [2, 3], [3, 1], 0, '0', 12]);
  });

  it('unwraps _rebuild_from_type_v2 for plain tensors and refuses it for other classes', () => {
    const storage = [[0x28], ...binunicode('storage'), 'ctorch\nFloatStorage\n', ...binunicode('0'), ...binunicode('cpu'), [0x4b, 2, 0x74, 0x51]];
    const args = [[0x28], ...storage, [0x4b, 0, 0x4b, 2, 0x85, 0x4b, 1, 0x85, 0x89], 'ccollections\nOrderedDict\n', [0x29, 0x52, 0x74]];
    const build = (cls: string): unknown =>
      load([0x80, 2], 'ctorch._utils\n_rebuild_from_type_v2\n', [0x28], 'ctorch._utils\n_rebuild_tensor_v2\n', cls, ...args, [0x7d, 0x74, 0x52, 0x2e]);
    const t = build('ctorch._tensor\nTensor\n');
    assert.ok(t instanceof PickledTensor);
    assert.deepEqual([t.shape, t.dtype], [[2], 'float32']);
    assert.throws(() => build('ccollections\nOrderedDict\n'), {
      message: `${FILE}: data.pkl: _rebuild_from_type_v2 rebuilds the global 'collections.OrderedDict', not a plain tensor`,
    });
  });

  it("refuses every global outside torch's tensor rebuilds and plain containers, naming it", () => {
    for (const [module, name] of [['posix', 'system'], ['builtins', 'eval'], ['torch.storage', '_load_from_bytes'], ['subprocess', 'Popen'], ['torch', 'load']]) {
      assert.throws(() => load([0x80, 2], `c${module}\n${name}\n`, [0x2e]), {
        name: 'CheckpointError',
        message: `${FILE}: data.pkl refers to the global '${module}.${name}', which a checkpoint has no reason to use; vlsm loads only tensors and plain containers (like torch.load(weights_only=True))`,
      });
    }
    assert.throws(() => load([0x80, 4], ...binunicode('os'), ...binunicode('system'), [0x93, 0x2e]), { message: /the global 'os.system'/ });
  });

  it('refuses TorchScript classes outside TorchScript archives', () => {
    assert.throws(() => load([0x80, 2], 'c__torch__\nNet\n', [0x29, 0x81, 0x2e]), { message: /the global '__torch__.Net'/ });
  });

  it('refuses malformed streams with the byte where they go wrong', () => {
    const cases: [Uint8Array, string][] = [
      [pickle([0x80, 2, 0x4b]), 'it ends in the middle of an opcode at byte 3'],
      [pickle([0x80, 2, 0x4b, 1]), 'it ends without a STOP opcode'],
      [pickle([0x80, 2, 0xff]), 'unknown opcode 0xff at byte 2'],
      [pickle([0x80, 2, 0x68, 3, 0x2e]), 'memo entry 3 is read before it is written (byte 2)'],
      [pickle([0x80, 2, 0x82, 1, 0x2e]), 'opcode EXT at byte 2 refers to the copyreg extension registry, which checkpoints do not use'],
      [pickle([0x80, 2, 0x4b, 1, 0x4b, 2, 0x2e]), 'STOP leaves 2 values and 0 marks'],
      [pickle([0x80, 2, 0x30, 0x2e]), 'the stack is empty at byte 2'],
      [pickle([0x80, 2, 0x4b, 1, 0x29, 0x52, 0x2e]), 'REDUCE applies to the number 1, not to a global'],
    ];
    for (const [bytes, problem] of cases) {
      assert.throws(() => unpickle(bytes, policy(), FILE, 'data.pkl'), { name: 'CheckpointError', message: `${FILE}: data.pkl is not a pickle vlsm can read: ${problem}` });
    }
  });

  it('refuses persistent ids that are not storages and storage keys that could name other entries', () => {
    assert.throws(() => load([0x80, 2], ...binunicode('x'), [0x51, 0x2e]), {
      message: `${FILE}: data.pkl: unknown persistent id the string x; expected ('storage', type, key, location, numel)`,
    });
    assert.throws(() => load([0x80, 2, 0x28], ...binunicode('storage'), 'ctorch\nFloatStorage\n', ...binunicode('../code'), ...binunicode('cpu'), [0x4b, 1, 0x74, 0x51, 0x2e]), {
      message: `${FILE}: data.pkl: persistent id has the storage key the string ../code`,
    });
  });
});
