// The image/prompt split gives the logits of the model's own forward, family by family: the image
// encoded once, then two different prompts on the cached features.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { torch } from '../../src/index.js';
import { createRgbImage, type RgbImage } from '../../src/imaging/image-types.js';
import { load } from '../../src/models/load.js';
import { promptSplitOf } from '../../src/models/prompt-split.js';
import type { SegmentationModel } from '../../src/models/types.js';
import { fixturePath, readJson } from '../helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'vlsm-split-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function folderWith(name: string, fixture: string, files: string[], extra: Record<string, unknown> = {}): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  for (const file of files) copyFileSync(fixturePath(fixture, file), join(dir, file));
  for (const [file, value] of Object.entries(extra)) writeFileSync(join(dir, file), JSON.stringify(value));
  return dir;
}

const image = ((): RgbImage => {
  const im = createRgbImage(50, 40);
  for (let i = 0; i < im.data.length; i++) im.data[i] = (i * 37) % 251;
  return im;
})();

function assertSplitMatchesForward(model: SegmentationModel): void {
  const split = promptSplitOf(model);
  assert.ok(split, `${model.family} has a split`);
  const features = split.encodeImage(image);
  try {
    assert.deepEqual(features.originalSize, [40, 50]);
    assert.ok(features.bytes > 0);
    for (const prompt of ['a small round polyp', 'two large tumours at the top left']) {
      torch.scope(() => {
        const direct = torch.inferenceMode(() => model.forward(model.preprocess([image], [prompt])));
        const cached = split.forwardPrompt(features, prompt);
        assert.deepEqual(cached.shape, direct.shape);
        const worst = torch.inferenceMode(() => cached.sub(direct).abs().max().item());
        assert.ok(worst < 1e-4, `${model.family} '${prompt}': max |split - forward| = ${worst}`);
      });
    }
  } finally {
    torch.dispose([...features.tensors]);
  }
}

describe('promptSplitOf', () => {
  it('CLIPSeg: cached ViT activations + text path = forward', async () => {
    const model = await load(folderWith('clipseg', 'clipseg-tiny', ['config.json', 'model.safetensors'], { 'preprocessor_config.json': { size: { height: 64, width: 64 } } }));
    try { assertSplitMatchesForward(model); } finally { model.dispose(); }
  });
  it('CRIS: cached backbone levels + text path = forward', async () => {
    const model = await load(folderWith('cris', 'cris-tiny', ['config.json', 'model.safetensors']));
    try { assertSplitMatchesForward(model); } finally { model.dispose(); }
  });
  it('BiomedCLIPSeg: cached tapped activations + text path = forward', async () => {
    const model = await load(folderWith('biomedclipseg', 'biomedclipseg-tiny', ['config.json', 'decoder.safetensors', 'open_clip_config.json', 'open_clip_model.safetensors', 'tokenizer.json', 'vocab.txt']));
    try { assertSplitMatchesForward(model); } finally { model.dispose(); }
  });
  it('an image-only CNN: the cached logits are the prediction for any prompt', async () => {
    const tiny = readJson<{ tiny: { unet: { block: string; layers: number[]; width: number; decoder_channels: number[] } } }>(fixturePath('cnn', 'reference.json')).tiny.unet;
    const dir = join(scratch, 'unet');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ arch: 'unet', encoder_weights: null, encoder_params: { block: tiny.block, layers: tiny.layers, width: tiny.width }, decoder_channels: tiny.decoder_channels, classes: 1, image_size: 32 }));
    const weights = await torch.io.loadStateDict(fixturePath('cnn', 'unet.pt'), { key: 'state_dict' });
    torch.io.saveSafetensors(join(dir, 'model.safetensors'), weights);
    torch.dispose([...weights.values()]);
    const model = await load(dir);
    try { assertSplitMatchesForward(model); } finally { model.dispose(); }
  });
});
