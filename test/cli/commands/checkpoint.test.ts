// `vlsm checkpoint inspect` and `vlsm checkpoint convert`, called as the dispatcher calls them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, mock } from 'node:test';
import { runCheckpoint } from '../../../src/cli/commands/checkpoint.js';
import { loadSafetensors, loadStateDict, readSafetensorsHeader } from '../../../src/torch/io/index.js';
import { fixturePath } from '../../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vlsm-cli-checkpoint-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the command and captures what it prints. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = mock.method(console, 'log', (...a: unknown[]) => void out.push(a.join(' ')));
  const error = mock.method(console, 'error', (...a: unknown[]) => void err.push(a.join(' ')));
  try {
    return { code: await runCheckpoint(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mock.restore();
    error.mock.restore();
  }
}

describe('vlsm checkpoint inspect', () => {
  it('prints name, dtype, shape and bytes of every tensor, then the totals', async () => {
    const path = fixturePath('io', 'wrapped_state_dict.pth');
    const { code, out } = await run(['inspect', path]);
    assert.equal(code, 0);
    assert.equal(
      out,
      [
        `${path}: pytorch`,
        'metadata:',
        '  epoch: 3',
        '  best_iou: 0.5',
        'name                                      dtype    shape         bytes',
        'state_dict.module.conv.weight             float32  [2, 1, 3, 3]     72',
        'state_dict.module.conv.bias               float32  [2]               8',
        'state_dict.module.bn.weight               float32  [2]               8',
        'state_dict.module.bn.bias                 float32  [2]               8',
        'state_dict.module.bn.running_mean         float32  [2]               8',
        'state_dict.module.bn.running_var          float32  [2]               8',
        'state_dict.module.bn.num_batches_tracked  int64    []                8',
        '7 tensors, 29 elements, 120 bytes (120 B)',
      ].join('\n'),
    );
  });

  it('reads TorchScript archives and marks buffers and attributes', async () => {
    const { code, out } = await run(['inspect', fixturePath('io', 'tiny_scripted.pt')]);
    assert.equal(code, 0);
    assert.match(out, /^block\.scale \(buffer\)\s+float32\s+\[3\]\s+12$/m);
    assert.match(out, /^mask \(attribute\)\s+float32\s+\[2\]\s+8$/m);
  });

  it('prints JSON with --json', async () => {
    const { code, out } = await run(['inspect', '--json', fixturePath('io', 'tiny_scripted.expected.safetensors')]);
    assert.equal(code, 0);
    const info = JSON.parse(out);
    assert.equal(info.format, 'safetensors');
    assert.equal(info.tensors.length, 14);
  });

  it('fails with the reader\'s message on a refused file', async () => {
    await assert.rejects(run(['inspect', fixturePath('io', 'malicious.pth')]), { name: 'CheckpointError', message: /refers to the global 'posix.system'/ });
  });
});

describe('vlsm checkpoint convert', () => {
  it('writes the state dict of a torch.save archive as safetensors, module. stripped', async () => {
    const out = join(dir, 'wrapped.safetensors');
    const { code, out: printed } = await run(['convert', fixturePath('io', 'wrapped_state_dict.pth'), out]);
    assert.equal(code, 0);
    assert.equal(printed, `${out}: wrote 7 tensors (120 B) from ${fixturePath('io', 'wrapped_state_dict.pth')}`);
    const written = loadSafetensors(out);
    const expected = loadSafetensors(fixturePath('io', 'wrapped_state_dict.expected.safetensors'));
    assert.deepEqual([...written.keys()], [...expected.keys()].sort());
    for (const [k, t] of expected) assert.deepEqual(new Uint8Array(written.get(k)!.bytes()), new Uint8Array(t.bytes()), k);
    assert.equal(readSafetensorsHeader(out).metadata.format, 'pt');
  });

  it('takes repeated --strip-prefix options and converts TorchScript archives', async () => {
    const out = join(dir, 'scripted.safetensors');
    const { code } = await run(['convert', fixturePath('io', 'tiny_scripted.pt'), out, '--strip-prefix', 'block.', '--strip-prefix', 'layers.']);
    assert.equal(code, 0);
    const names = [...readSafetensorsHeader(out).tensors.keys()];
    assert.ok(names.includes('0.weight') && names.includes('bn.running_mean') && names.includes('positional_embedding'), names.join(', '));
    const source = await loadStateDict(fixturePath('io', 'tiny_scripted.pt'));
    assert.equal(names.length, source.size);
  });

  it('answers bad usage with exit code 2 and the usage text', async () => {
    const wrongOut = await run(['convert', 'a.pth', 'b.bin']);
    assert.deepEqual([wrongOut.code, wrongOut.err], [2, "vlsm checkpoint convert: the output 'b.bin' must end in .safetensors"]);
    const unknown = await run(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /^vlsm checkpoint: unknown subcommand 'frobnicate'; expected inspect or convert/);
    const missing = await run(['inspect']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /^vlsm checkpoint inspect: expected one FILE, got 0/);
  });
});
