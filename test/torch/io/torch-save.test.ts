// saveTorchStateDict writes what torch.save writes for a state dict (the zip layout, a protocol-2
// pickle of an OrderedDict, optionally under one key). torch.load(weights_only=True) reading
// these files was checked with Debian's PyTorch 1.13 (tools/make-export-key-lists.py --check);
// here vlsm's own reader reads them back, and the archive's layout is checked byte by byte.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { after, describe, it } from 'node:test';
import * as torch from '../../../src/torch/index.js';

const dir = mkdtempSync(join(tmpdir(), 'vlsm-torch-save-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Local file entries of a stored zip: name, data offset, size, CRC. */
function entries(zip: Buffer): { name: string; offset: number; size: number; crc: number }[] {
  const out = [];
  let p = 0;
  while (zip.readUInt32LE(p) === 0x04034b50) {
    const size = zip.readUInt32LE(p + 18);
    const nameLength = zip.readUInt16LE(p + 26);
    const extraLength = zip.readUInt16LE(p + 28);
    const name = zip.subarray(p + 30, p + 30 + nameLength).toString();
    const offset = p + 30 + nameLength + extraLength;
    out.push({ name, offset, size, crc: zip.readUInt32LE(p + 14) });
    p = offset + size;
  }
  return out;
}

describe('saveTorchStateDict', () => {
  it('round-trips every dtype, a scalar and an empty tensor, bare or under a key', async () => {
    const tensors = new Map<string, torch.Tensor>([
      ['conv.weight', torch.arange(24).reshape([2, 3, 2, 2]).to('float32').div(7)],
      ['bn.num_batches_tracked', torch.tensor(3).to('int64')],
      ['half', torch.arange(5).to('float16')],
      ['brain', torch.arange(5).to('bfloat16')],
      ['f64', torch.arange(3).to('float64')],
      ['mask', torch.tensor([1, 0, 1]).to('bool')],
      ['bytes', torch.tensor([1, 200, 3]).to('uint8')],
      ['scalar', torch.tensor(2.5)],
      ['empty', torch.zeros([0, 4])],
    ]);
    try {
      for (const wrapKey of [undefined, 'state_dict']) {
        const path = join(dir, `${wrapKey ?? 'bare'}.pth`);
        torch.io.saveTorchStateDict(path, tensors, wrapKey ? { wrapKey } : {});
        const back = await torch.io.loadStateDict(path, { stripPrefix: [] });
        try {
          assert.deepEqual([...back.keys()], [...tensors.keys()]);
          for (const [k, t] of tensors) {
            const b = back.get(k)!;
            assert.equal(b.dtype, t.dtype, k);
            assert.deepEqual(b.shape, t.shape, k);
            assert.deepEqual(Buffer.from(b.bytes()), Buffer.from(t.bytes()), k);
          }
        } finally {
          torch.dispose([...back.values()]);
        }
        const zip = readFileSync(path);
        const list = entries(zip);
        assert.deepEqual(list.map((e) => e.name), [`${wrapKey ?? 'bare'}/data.pkl`, `${wrapKey ?? 'bare'}/byteorder`, ...[...tensors.keys()].map((_, i) => `${wrapKey ?? 'bare'}/data/${i}`), `${wrapKey ?? 'bare'}/version`]);
        for (const e of list) {
          assert.equal(e.offset % 64, 0, `${e.name} is 64-byte aligned`);
          assert.equal(e.crc, crc32(zip.subarray(e.offset, e.offset + e.size)), `${e.name} CRC`);
        }
        const pickle = zip.subarray(list[0]!.offset, list[0]!.offset + list[0]!.size);
        assert.deepEqual([...pickle.subarray(0, 2)], [0x80, 2], 'protocol 2');
        assert.equal(pickle.includes(Buffer.from('cposix')) || pickle.includes(Buffer.from('builtins\neval')), false);
        const globals = [...pickle.toString('latin1').matchAll(/c(collections|torch|torch\._utils|builtins|posix|os|subprocess)\n(\w+)\n/g)].map((m) => `${m[1]}.${m[2]}`);
        assert.deepEqual([...new Set(globals)].sort(), ['collections.OrderedDict', 'torch.BFloat16Storage', 'torch.BoolStorage', 'torch.ByteStorage', 'torch.DoubleStorage', 'torch.FloatStorage', 'torch.HalfStorage', 'torch.LongStorage', 'torch._utils._rebuild_tensor_v2']);
      }
    } finally {
      torch.dispose([...tensors.values()]);
    }
  });

  it('names the file and the tensor when a tensor is disposed', () => {
    const t = torch.ones([2]);
    t.dispose();
    assert.throws(() => torch.io.saveTorchStateDict(join(dir, 'bad.pth'), new Map([['w', t]])), /bad\.pth: tensor 'w' is disposed/);
  });
});
