// torch.save zip archives written by Python (tools/make-io-fixtures.py): dtypes, wrappers,
// shared and strided storages, deflated entries, protocol 4, and the files vlsm must refuse.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { torch } from '../../../src/index.js';
import { inspectCheckpoint, loadPytorchCheckpoint, loadSafetensors, loadStateDict } from '../../../src/torch/io/index.js';
import { assertSameTensors, fixturePath } from '../../helpers.js';

const io = (name: string): string => fixturePath('io', name);
const dir = mkdtempSync(join(tmpdir(), 'vlsm-pytorch-io-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const base = Array.from({ length: 12 }, (_, i) => i - 3); // torch.arange(-3, 9)
const expectedDtypes: Record<string, { dtype: torch.DType; values: (number | boolean)[] }> = {
  f64: { dtype: 'float64', values: base.map((v) => v / 4) },
  f32: { dtype: 'float32', values: base.map((v) => v / 8) },
  f16: { dtype: 'float16', values: base.map((v) => v / 2) },
  bf16: { dtype: 'bfloat16', values: base.map((v) => v * 2) },
  i64: { dtype: 'int64', values: base.map((v) => v * 1e12) },
  i32: { dtype: 'int32', values: base.map((v) => v * 1000) },
  i16: { dtype: 'int16', values: base.map((v) => v * 100) },
  i8: { dtype: 'int8', values: base },
  u8: { dtype: 'uint8', values: base.map((v) => (v + 3) * 20) },
  bool: { dtype: 'bool', values: base.map((v) => v % 3 === 0) },
};

function checkDtypes(tensors: Map<string, torch.Tensor>): void {
  for (const [name, { dtype, values }] of Object.entries(expectedDtypes)) {
    const t = tensors.get(name)!;
    assert.equal(t.dtype, dtype, name);
    assert.deepEqual(t.shape, [3, 4], name);
    assert.deepEqual((t.toArray() as unknown[][]).flat(), values, name);
  }
  assert.equal(tensors.get('scalar')!.item(), 2.5);
  assert.deepEqual(tensors.get('scalar')!.shape, []);
  assert.deepEqual(tensors.get('empty')!.shape, [0, 3]);
}

describe('loadStateDict on torch.save archives', () => {
  it('reads float64, float32, float16, bfloat16, int64, int32, int16, int8, uint8 and bool tensors with their values', async () => {
    checkDtypes(await loadStateDict(io('dtypes.pth')));
  });

  it('reads archives pickled with protocol 4 (FRAME, MEMOIZE, STACK_GLOBAL) the same way', async () => {
    checkDtypes(await loadStateDict(io('dtypes_protocol4.pth')));
  });

  it('inflates deflated entries when a zip tool has recompressed the archive', async () => {
    checkDtypes(await loadStateDict(io('dtypes_deflated.pth')));
  });

  it("finds the state dict under 'state_dict' and strips DataParallel's 'module.' prefix", async () => {
    const loaded = await loadStateDict(io('wrapped_state_dict.pth'));
    assertSameTensors(loaded, loadSafetensors(io('wrapped_state_dict.expected.safetensors')));
    assert.equal(loaded.get('conv.weight')!.requiresGrad, false);
  });

  it('takes an explicit key and explicit prefixes', async () => {
    const loaded = await loadStateDict(io('wrapped_state_dict.pth'), { key: 'state_dict', stripPrefix: ['module.conv.'] });
    assert.deepEqual([...loaded.keys()], ['weight', 'bias', 'module.bn.weight', 'module.bn.bias', 'module.bn.running_mean', 'module.bn.running_var', 'module.bn.num_batches_tracked']);
    const path = io('wrapped_state_dict.pth');
    await assert.rejects(loadStateDict(path, { key: 'model' }), {
      name: 'CheckpointError',
      message: `${path}: has no top-level key 'model' (keys: state_dict, epoch, best_iou, args, note)`,
    });
  });

  it('refuses prefixes that would merge two names into one', async () => {
    const path = io('dtypes.pth');
    await assert.rejects(loadStateDict(path, { stripPrefix: ['f', 'i'] }), {
      name: 'CheckpointError',
      message: `${path}: 'f64' and 'i64' both become '64' once prefixes ["f","i"] are removed`,
    });
  });

  it('says so when a checkpoint holds no tensors at all', async () => {
    const path = io('wrapped_state_dict.pth');
    await assert.rejects(loadStateDict(path, { key: 'epoch' }), { name: 'CheckpointError', message: `${path}: 'epoch' is not a dict of tensors` });
  });
});

describe('loadPytorchCheckpoint', () => {
  it('returns the whole object: dicts as Maps, argparse.Namespace as a plain object, bytes, numbers', async () => {
    const ckpt = (await loadPytorchCheckpoint(io('wrapped_state_dict.pth'))) as Map<string, unknown>;
    assert.deepEqual([...ckpt.keys()], ['state_dict', 'epoch', 'best_iou', 'args', 'note']);
    assert.equal(ckpt.get('epoch'), 3);
    assert.equal(ckpt.get('best_iou'), 0.5);
    assert.deepEqual(ckpt.get('args'), { lr: 0.001, name: 'tiny', sizes: [1, 2], flag: true });
    assert.deepEqual(ckpt.get('note'), new Uint8Array([114, 97, 119, 0, 255, 98, 121, 116, 101, 115]));
    const state = ckpt.get('state_dict') as Map<string, torch.Tensor>;
    assert.deepEqual(state.get('module.conv.weight')!.shape, [2, 1, 3, 3]);
  });

  it('keeps strided views and shared storages as PyTorch saved them', async () => {
    const views = (await loadPytorchCheckpoint(io('views.pth'))) as Map<string, torch.Tensor>;
    const x = views.get('x')!;
    const xt = views.get('xt')!;
    assert.deepEqual(xt.strides, [1, 4]);
    assert.deepEqual(xt.toArray(), [[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]);
    assert.deepEqual(views.get('row')!.toArray(), [4, 5, 6, 7]);
    assert.deepEqual(views.get('col')!.toArray(), [2, 6, 10]);
    x.add_(100); // one storage: the change shows through every view of it
    assert.deepEqual(views.get('col')!.toArray(), [102, 106, 110]);
    assert.equal((xt.toArray() as number[][])[3][2], 111);
    const head = views.get('head')!;
    const tail = views.get('tail')!;
    assert.deepEqual([head.dtype, head.toArray(), tail.toArray()], ['int64', [0, 1, 2, 3], [4, 5, 6, 7, 8, 9]]);
    const window = views.get('window')!;
    assert.deepEqual(window.toArray(), [10, 11, 12]);
    assert.deepEqual(window.strides, [1]);
    const param = views.get('param')!;
    assert.deepEqual([param.toArray(), param.requiresGrad], [[0, 1], false]);
  });

  it('refuses a data.pkl that calls os.system, and runs nothing', async () => {
    const marker = '/tmp/vlsm-io-fixture-pwned';
    rmSync(marker, { force: true });
    const path = io('malicious.pth');
    const message = `${path}: data.pkl refers to the global 'posix.system', which a checkpoint has no reason to use; vlsm loads only tensors and plain containers (like torch.load(weights_only=True))`;
    await assert.rejects(loadPytorchCheckpoint(path), { name: 'CheckpointError', message, key: 'posix.system' });
    await assert.rejects(loadStateDict(path), { name: 'CheckpointError', message });
    await assert.rejects(inspectCheckpoint(path), { name: 'CheckpointError', message });
    assert.equal(existsSync(marker), false);
  });

  it('explains how to convert a legacy (pre-1.6) torch.save file', async () => {
    const path = io('legacy.pth');
    await assert.rejects(loadStateDict(path), {
      name: 'CheckpointError',
      message:
        `${path}: a legacy torch.save file (PyTorch < 1.6, not a zip archive), which vlsm does not read; convert it once with PyTorch >= 1.6: ` +
        `python3 -c "import torch; torch.save(torch.load('${path}', map_location='cpu'), 'converted.pth')" (only for a file you trust: ` +
        'torch.load of the legacy format can run code), then `vlsm checkpoint convert converted.pth model.safetensors`',
    });
  });

  it('refuses a bare pickle, a truncated archive and an unknown file with clear errors', async () => {
    const pkl = io('plain.pkl');
    await assert.rejects(loadPytorchCheckpoint(pkl), {
      name: 'CheckpointError',
      message: `${pkl}: a bare Python pickle, not a torch.save zip archive or safetensors file; vlsm does not read pickles outside torch archives (save the tensors with torch.save or safetensors)`,
    });
    const truncated = join(dir, 'truncated.pth');
    const bytes = readFileSync(io('dtypes.pth'));
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 200));
    await assert.rejects(loadStateDict(truncated), { name: 'CheckpointError', message: new RegExp(`^${truncated}: not a readable zip archive \\(`) });
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello, these are not weights');
    await assert.rejects(loadStateDict(text), {
      name: 'CheckpointError',
      message: `${text}: not a checkpoint vlsm reads (expected safetensors, a torch.save zip archive or a TorchScript archive)`,
    });
  });
});

describe('inspectCheckpoint', () => {
  it('lists names, dtypes, shapes and bytes without loading tensors', async () => {
    const info = await inspectCheckpoint(io('wrapped_state_dict.pth'));
    assert.equal(info.format, 'pytorch');
    assert.deepEqual(info.tensors[0], { name: 'state_dict.module.conv.weight', dtype: 'float32', shape: [2, 1, 3, 3], bytes: 72 });
    assert.equal(info.tensors.length, 7);
    assert.equal(info.totalBytes, 72 + 8 * 5 + 8);
    assert.deepEqual(info.metadata, { epoch: '3', best_iou: '0.5' });
  });
});

const cris = fixturePath('cris-tiny');
describe('the CRIS tiny fixture', () => {
  it('model.pth loads and equals model.safetensors exactly, names without module.', async () => {
    const fromPth = await loadStateDict(join(cris, 'model.pth'));
    const fromSafetensors = loadSafetensors(join(cris, 'model.safetensors'));
    assert.equal(fromPth.size, 320);
    assertSameTensors(fromPth, fromSafetensors);
    for (const t of [...fromPth.values(), ...fromSafetensors.values()]) t.dispose();
  });

  it('model.pth keeps its training record next to the weights', async () => {
    const info = await inspectCheckpoint(join(cris, 'model.pth'));
    assert.equal(info.metadata.epoch, '50');
    assert.equal(info.tensors.length, 320);
  });
});
