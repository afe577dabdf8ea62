// TorchScript archives (torch.jit.save): the module tree is read as inert records; parameters and
// buffers come back by module path, equal to what Python's state_dict() holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../../src/index.js';
import { inspectCheckpoint, loadPytorchCheckpoint, loadSafetensors, loadStateDict, loadTorchScript, ScriptObject } from '../../../src/torch/io/index.js';
import { assertSameTensors, fixturePath } from '../../helpers.js';

const scripted = fixturePath('io', 'tiny_scripted.pt');

describe('loadTorchScript', () => {
  it("returns the parameters and buffers by module path, equal to Python's state_dict()", async () => {
    const loaded = await loadTorchScript(scripted);
    assertSameTensors(loaded, loadSafetensors(fixturePath('io', 'tiny_scripted.expected.safetensors')));
    assert.ok(loaded.has('block.layers.1.weight'));
    assert.equal(loaded.has('block.layers.1.bias'), false);
    assert.deepEqual(loaded.get('block.bn.running_var')!.toArray(), [1.5, 2.5, 3.5]);
    assert.equal(loaded.get('block.bn.num_batches_tracked')!.item(), 5);
  });

  it('leaves out plain tensor attributes unless asked for them', async () => {
    assert.equal((await loadTorchScript(scripted)).has('mask'), false);
    const all = await loadTorchScript(scripted, { includeAttributes: true });
    assert.deepEqual(all.get('mask')!.toArray(), [1, 1]);
  });

  it('is what loadStateDict returns for a TorchScript file', async () => {
    assert.deepEqual([...(await loadStateDict(scripted)).keys()], [...(await loadTorchScript(scripted)).keys()]);
  });

  it('refuses a torch.save archive with a pointer to the right loader', async () => {
    const path = fixturePath('io', 'dtypes.pth');
    await assert.rejects(loadTorchScript(path), {
      name: 'CheckpointError',
      message: `${path}: not a TorchScript archive (no code/ or constants.pkl); load it with loadStateDict or loadPytorchCheckpoint`,
    });
  });
});

describe('TorchScript module trees', () => {
  it('come back from loadPytorchCheckpoint as inert ScriptObjects with class names and attributes', async () => {
    const root = await loadPytorchCheckpoint(scripted);
    assert.ok(root instanceof ScriptObject);
    assert.equal(root.className, '__torch__.Net');
    assert.equal(root.attributes.get('size'), 7);
    assert.equal(root.attributes.get('training'), false);
    const block = root.attributes.get('block') as ScriptObject;
    assert.equal(block.className, '__torch__.Block');
    const layers = block.attributes.get('layers') as ScriptObject;
    assert.equal(layers.className, '__torch__.torch.nn.modules.container.ModuleList');
    assert.deepEqual([...layers.attributes.keys()].filter((k) => k !== 'training' && k !== '_is_full_backward_hook'), ['0', '1']);
  });

  it('are listed by inspectCheckpoint with the kind of every tensor', async () => {
    const info = await inspectCheckpoint(scripted);
    assert.equal(info.format, 'torchscript');
    const byName = new Map(info.tensors.map((t) => [t.name, t]));
    assert.deepEqual(byName.get('positional_embedding'), { name: 'positional_embedding', dtype: 'float32', shape: [2, 2], bytes: 16, kind: 'parameter' });
    assert.equal(byName.get('block.scale')!.kind, 'buffer');
    assert.equal(byName.get('block.bn.running_mean')!.kind, 'buffer');
    assert.equal(byName.get('mask')!.kind, 'attribute');
    assert.equal(info.tensors.length, 15);
  });
});
