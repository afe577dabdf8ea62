// Model configs with sizes that cannot fit are refused before any memory is spent, with a
// ConfigError naming the file and the field; config files are read only when they are regular
// files. The shipped defaults of every family still pass.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { torch } from '../../src/index.js';
import { ConfigError } from '../../src/errors.js';
import { clipsegRd64Refined } from '../../src/models/clipseg/config.js';
import { clipsegFromConfig } from '../../src/models/clipseg/family.js';
import { cnnDefaults } from '../../src/models/cnn/config.js';
import { cnnFromConfig } from '../../src/models/cnn/family.js';
import { checkConfigSizes, estimateConfigBytes } from '../../src/models/config-limits.js';
import { crisR50 } from '../../src/models/cris/config.js';
import { loadFolder } from '../../src/models/registry.js';
import { repoRoot } from '../helpers.js';
import { makeFifo, runIsolated } from '../torch/io/hostile-inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'vlsm-config-limits-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Asserts a ConfigError that names `source` and `field`. */
function refuses(run: () => unknown, source: string, field: string, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`);
    assert.ok(error.message.startsWith(`${source}: `), error.message);
    assert.equal(error.field, field);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('model configs with absurd sizes are refused before allocating', () => {
  it('a loaded config.json: vocab_size of a billion names the file and field', async () => {
    const folder = join(dir, 'huge-vocab');
    mkdirSync(folder);
    const path = join(folder, 'config.json');
    writeFileSync(path, JSON.stringify({ model_type: 'clipseg', text_config: { vocab_size: 1_000_000_000 } }));
    await assert.rejects(() => loadFolder(folder), (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.file, path);
      assert.equal(error.field, 'text_config.vocab_size');
      assert.match(error.message, /field 'text_config.vocab_size' is 1000000000, more than 10000000/);
      return true;
    });
  });

  it('scratch configs: hidden_size, num_hidden_layers, intermediate_size, patch_size above their bounds', () => {
    const before = torch.memory().numTensors;
    refuses(() => clipsegFromConfig({ vision_config: { hidden_size: 12_000_000, num_attention_heads: 12 } }), 'clipseg config', 'vision_config.hidden_size', /is 12000000, more than 65536/);
    refuses(() => clipsegFromConfig({ vision_config: { num_hidden_layers: 100_000 } }), 'clipseg config', 'vision_config.num_hidden_layers', /is 100000, more than 1024/);
    refuses(() => clipsegFromConfig({ text_config: { intermediate_size: 2 ** 30 } }), 'clipseg config', 'text_config.intermediate_size', /more than 262144/);
    refuses(() => clipsegFromConfig({ vision_config: { image_size: 1_600_000, patch_size: 16 } }), 'clipseg config', 'vision_config.image_size', /more than 16384/);
    assert.equal(torch.memory().numTensors, before, 'nothing was allocated');
  });

  it('sizes within their bounds that together cannot fit: the estimate names the largest contributor', () => {
    // 8192 px at patch 16: 262,145 tokens, 12 heads of 262,145² attention weights (3.3 TB).
    refuses(() => clipsegFromConfig({ vision_config: { image_size: 8192, patch_size: 16 } }), 'clipseg config', 'vision_config.image_size', /needs about [\d.]+ TiB .* more than this machine's/);
    refuses(() => cnnFromConfig('unet', { encoder_weights: null, image_size: 16_000 }), 'unet config', 'image_size', /needs about [\d.]+ GiB/);
    refuses(() => checkConfigSizes({ hidden_size: 65_536, num_hidden_layers: 1024 }, 'tower.json', 1e12), 'tower.json', 'num_hidden_layers', /needs about 192.0 TiB/);
  });

  it('a preprocessor size is an image side', () => {
    refuses(() => checkConfigSizes({ size: { height: 1_000_000, width: 1_000_000 } }, 'preprocessor_config.json'), 'preprocessor_config.json', 'size.width', /is 1000000, more than 16384/);
    refuses(() => checkConfigSizes({ size: 100_000 }, 'preprocessor_config.json'), 'preprocessor_config.json', 'size', /more than 16384/);
  });

  it('every family default passes, and its estimate is of the right order', () => {
    for (const [name, config] of [['clipseg', clipsegRd64Refined()], ['cris', crisR50()], ['unet', cnnDefaults('unet')], ['deeplabv3plus', cnnDefaults('deeplabv3plus')]] as const) {
      checkConfigSizes(config, name);
      const { bytes } = estimateConfigBytes(config);
      assert.ok(bytes > 1e6 && bytes < 4e9, `${name}: ${bytes} bytes`);
    }
    // CLIPSeg rd64: ~150 M parameters (600 MB) plus activations at 224 px.
    const clipseg = estimateConfigBytes(clipsegRd64Refined()).bytes;
    assert.ok(clipseg > 4e8 && clipseg < 1.5e9, String(clipseg));
  });
});

describe('config files are read only from regular files', () => {
  it('a directory named config.json is refused with its path', async () => {
    const folder = join(dir, 'dir-config');
    mkdirSync(join(folder, 'config.json'), { recursive: true });
    await assert.rejects(() => loadFolder(folder), { name: 'ConfigError', message: `${join(folder, 'config.json')}: the config is a directory, not a regular file; vlsm reads a config only from a regular file` });
  });

  it('a FIFO named config.json is refused instead of blocking', () => {
    const folder = join(dir, 'fifo-config');
    mkdirSync(folder);
    if (!makeFifo(join(folder, 'config.json'))) return;
    const child = runIsolated(`
      await import(${JSON.stringify(join(repoRoot, 'dist', 'src', 'index.js'))});
      const { loadFolder } = await import(${JSON.stringify(join(repoRoot, 'dist', 'src', 'models', 'registry.js'))});
      try { await loadFolder(${JSON.stringify(folder)}, { family: 'clipseg' }); console.log('loaded'); }
      catch (e) { console.log(e.constructor.name + ': ' + e.message); }`, 15_000);
    assert.equal(child.signal, null, 'loading blocked on the FIFO');
    assert.match(child.stdout, /^ConfigError: .*fifo-config\/config\.json: the config is a FIFO \(named pipe\), not a regular file/);
  });
});
