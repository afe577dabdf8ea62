// The CRIS registry family end to end on test/fixtures/cris-tiny: detection, loading a folder,
// preprocessing (image and CRIS tokenization), logits at the input size and at the original size.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { torch } from '../../../src/index.js';
import { crisFamily, loadCris } from '../../../src/models/cris/family.js';
import { readConfigFile } from '../../../src/models/config-file.js';
import { crisConfigSchema } from '../../../src/models/cris/config.js';
import { CRIS } from '../../../src/models/cris/model.js';
import { combineCrisWeights } from '../../../src/models/cris/weights.js';
import { assertClose, fixturePath } from '../../helpers.js';

const fixture = fixturePath('cris-tiny');
const io = torch.io.loadSafetensors(join(fixture, 'io.safetensors'));
for (const t of io.values()) t.keep();
const expected = (name: string): number[] => Array.from(io.get(name)!.to('float64').data() as Float64Array);
const prompts = readConfigFile(crisConfigSchema, join(fixture, 'config.json')).input.prompts!;

describe('the CRIS family', () => {
  it('recognises the CRIS fixture folder and not the CLIPSeg one', () => {
    assert.equal(crisFamily.detect(fixture, undefined), true);
    assert.equal(crisFamily.detect(fixturePath('clipseg-tiny'), undefined), false);
    assert.equal(crisFamily.detect('/nonexistent', { model_type: 'cris' }), true);
    assert.equal(crisFamily.detect('/nonexistent', { model_type: 'clipseg' }), false);
  });

  it('recognises a folder by cris.json and loads it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-cris-'));
    try {
      copyFileSync(join(fixture, 'config.json'), join(dir, 'cris.json'));
      copyFileSync(join(fixture, 'model.pth'), join(dir, 'best_model.pth'));
      assert.equal(crisFamily.detect(dir, undefined), true);
      const model = await crisFamily.load(dir);
      assert.equal(model.family, 'cris');
      model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("pads prompts to 77 with <|endoftext|> under medvlsm's HuggingFace convention, which the padding mask does not hide", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-cris-'));
    try {
      const config = JSON.parse(readFileSync(join(fixture, 'config.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, tokenizer_convention: 'medvlsm-hf' }));
      copyFileSync(join(fixture, 'model.safetensors'), join(dir, 'model.safetensors'));
      const model = await crisFamily.load(dir);
      torch.scope(() => {
        const image = { width: 96, height: 96, data: io.get('image_u8')!.data() as Uint8Array };
        const batch = model.preprocess([image], prompts);
        assert.deepEqual(batch.inputIds!.shape, [2, 77]);
        const row = Array.from(batch.inputIds!.select(0, 1).data() as BigInt64Array, Number);
        assert.deepEqual(row.slice(0, 9), [49406, 13740, 37414, 267, 4909, 1155, 49407, 49407, 49407]);
        assert.equal(batch.inputIds!.eq(0).any().item(), false);
        const logits = model.forward(batch);
        assert.deepEqual(logits.shape, [2, 96, 96]);
        assert.equal(logits.isfinite().all().item(), true);
      });
      model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the folder and the files it looked for when there are no weights', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-cris-'));
    try {
      writeFileSync(join(dir, 'config.json'), '{"model_type": "cris"}');
      await assert.rejects(loadCris(dir), /no CRIS weights file; expected one of model\.safetensors, model\.pth/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says to add RN50.pt when the weights have no backbone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-cris-'));
    try {
      copyFileSync(join(fixture, 'config.json'), join(dir, 'config.json'));
      torch.scope(() => {
        const head = new Map([...torch.io.loadSafetensors(join(fixture, 'model.safetensors'))].filter(([key]) => !key.startsWith('backbone.')));
        torch.io.saveSafetensors(join(dir, 'model.safetensors'), head);
      });
      await assert.rejects(loadCris(dir), /model\.safetensors: has no backbone\.\* tensors .*put OpenAI's RN50\.pt or RN101\.pt in .*clip_pretrain/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the file and the field of a malformed config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-cris-'));
    try {
      writeFileSync(join(dir, 'config.json'), '{"model_type": "cris", "decoder": {"num_head": 8}}');
      await assert.rejects(loadCris(dir), (e: Error) => e.name === 'ConfigError' && /config\.json: invalid config: .*decoder.*num_head/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('loaded from fixtures/cris-tiny', async () => {
    const model = await crisFamily.load(fixture);
    const image = { width: 96, height: 96, data: io.get('image_u8')!.data() as Uint8Array };

    it('has the reference threshold and input size', () => {
      assert.equal(model.threshold, 0.35);
      assert.deepEqual(model.inputSize, [96, 96]);
      assert.equal(model.usesPrompt, true);
    });

    it('preprocesses the image and tokenizes the prompts as the CRIS loader does', () => {
      torch.scope(() => {
        const batch = model.preprocess([image], prompts);
        assertClose(batch.pixelValues, expected('pixel_values'), 1e-6, 'pixel_values', [1, 3, 96, 96]);
        assert.deepEqual(Array.from(batch.inputIds!.data() as BigInt64Array, Number), Array.from(io.get('input_ids')!.data() as BigInt64Array, Number));
        assert.deepEqual(batch.originalSizes, [[96, 96], [96, 96]]);
      });
    });

    it('gives the upsampled logits of both prompts within 1e-4', () => {
      torch.scope(() => {
        const logits = model.forward(model.preprocess([image], prompts));
        assertClose(logits, expected('logits_upsampled'), 1e-4, 'logits_upsampled', [2, 96, 96]);
        const [a, b] = model.logitsToOriginal(logits, [[120, 80], [96, 96]]);
        assert.deepEqual([a.shape, b.shape], [[120, 80], [96, 96]]);
        assertClose(b, expected('logits_upsampled').slice(96 * 96), 1e-4, 'same size is unchanged');
      });
    });
  });

  it('puts a CLIP state dict under CRIS weights without a backbone, as RN50.pt is combined', () => {
    torch.scope(() => {
      const all = torch.io.loadSafetensors(join(fixture, 'model.safetensors'));
      const clip = new Map<string, torch.Tensor>([['input_resolution', torch.scalarTensor(64)], ['context_length', torch.scalarTensor(77)], ['vocab_size', torch.scalarTensor(49408)]]);
      const cris = new Map<string, torch.Tensor>();
      for (const [key, value] of all) {
        // OpenAI's file lacks CRIS's attention-pool residual, which the CRIS checkpoint supplies.
        if (key.startsWith('backbone.') && !key.includes('attnpool.connect')) clip.set(key.slice('backbone.'.length), value);
        else cris.set(`module.${key}`, value);
      }
      const model = new CRIS(readConfigFile(crisConfigSchema, join(fixture, 'config.json')));
      model.loadStateDict(combineCrisWeights(cris, clip));
      model.eval();
      assertClose(model.forward(io.get('pixel_values')!, io.get('input_ids')!), expected('logits'), 1e-4, 'logits');
      model.dispose();
    });
  });
});
