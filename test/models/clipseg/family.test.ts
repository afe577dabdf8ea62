// CLIPSeg through the user's path: a checkpoint folder → registry → preprocess → mask.
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { torch } from '../../../src/index.js';
import { createRgbImage, type RgbImage } from '../../../src/imaging/image-types.js';
import { clipsegRd64Refined } from '../../../src/models/clipseg/config.js';
import { ClipsegSegmentationModel, CLIPSEG_PREPROCESSING } from '../../../src/models/clipseg/family.js';
import { CLIPSegForImageSegmentation } from '../../../src/models/clipseg/model.js';
import { load } from '../../../src/models/load.js';
import { predict, predictBatch } from '../../../src/models/predict.js';
import { detectFamily, loadFolder } from '../../../src/models/registry.js';
import { ClipTokenizer } from '../../../src/tokenizers/clip-bpe.js';
import { fixturePath } from '../../helpers.js';

const fixture = fixturePath('clipseg-tiny');

function tinyFolder(extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'vlsm-clipseg-'));
  copyFileSync(join(fixture, 'config.json'), join(dir, 'config.json'));
  copyFileSync(join(fixture, 'model.safetensors'), join(dir, 'model.safetensors'));
  // The tiny model's position table is for 64²; 96² exercises interpolation, as the fixture does.
  writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify({ do_resize: true, size: { height: 96, width: 96 }, resample: 2, do_rescale: true, rescale_factor: 1 / 255, do_normalize: true, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225] }));
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
  return dir;
}

function gradientImage(width: number, height: number): RgbImage {
  const image = createRgbImage(width, height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const p = 3 * (y * width + x);
    image.data[p] = (x * 255) / width;
    image.data[p + 1] = (y * 255) / height;
    image.data[p + 2] = (x + y) % 256;
  }
  return image;
}

describe('loading CLIPSeg from a checkpoint folder', () => {
  it('recognises the folder as CLIPSeg by its config', () => {
    assert.equal(detectFamily(tinyFolder()).name, 'clipseg');
  });

  it('segments an image of any size into a mask of that size', async () => {
    const model = await loadFolder(tinyFolder());
    assert.equal(model.family, 'clipseg');
    assert.deepEqual(model.inputSize, [96, 96]);
    const image = gradientImage(120, 75);
    const { mask, probabilities } = model.predict(image, 'a pink round polyp');
    assert.equal(mask.width, 120);
    assert.equal(mask.height, 75);
    assert.equal(probabilities.length, 120 * 75);
    assert.ok(mask.data.every((v) => v === 0 || v === 255));
    assert.ok(probabilities.every((p) => p > 0 && p < 1));
    model.dispose();
  });

  it('gives each prompt its own mask for the same image', async () => {
    const model = await loadFolder(tinyFolder());
    const image = gradientImage(96, 96);
    const [a, b] = predictBatch(model, [image, image], ['a pink round polyp', '']);
    assert.ok(a!.probabilities.some((p, i) => Math.abs(p - b!.probabilities[i]!) > 1e-3));
    model.dispose();
  });

  it('loads pytorch_model.bin (torch.save) when the folder has no safetensors, with the same results', async () => {
    const fromSafetensors = await loadFolder(tinyFolder());
    const dir = tinyFolder();
    rmSync(join(dir, 'model.safetensors'));
    copyFileSync(fixturePath('clipseg', 'pytorch_model.bin'), join(dir, 'pytorch_model.bin'));
    const fromBin = await loadFolder(dir);
    const image = gradientImage(96, 96);
    const a = predict(fromSafetensors, image, 'a polyp').probabilities;
    const b = predict(fromBin, image, 'a polyp').probabilities;
    assert.deepEqual(Array.from(a), Array.from(b));
    fromSafetensors.dispose();
    fromBin.dispose();
  });

  it('loads a HuggingFace id from the local cache layout without touching the network', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'vlsm-hf-'));
    const commit = 'a'.repeat(40);
    const repo = join(cache, 'models--test-org--tiny-clipseg');
    mkdirSync(join(repo, 'refs'), { recursive: true });
    writeFileSync(join(repo, 'refs', 'main'), commit);
    cpSync(tinyFolder(), join(repo, 'snapshots', commit), { recursive: true });
    const model = await load('test-org/tiny-clipseg', { cacheDir: cache, offline: true, fetch: () => { throw new Error('network used'); } });
    assert.equal(model.family, 'clipseg');
    assert.equal(predict(model, gradientImage(64, 64), 'a polyp').mask.width, 64);
    model.dispose();
  });

  it('explains a folder without weights', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-clipseg-'));
    copyFileSync(join(fixture, 'config.json'), join(dir, 'config.json'));
    await assert.rejects(loadFolder(dir), new RegExp(`${dir}: no weights file; expected one of model\\.safetensors, pytorch_model\\.bin`));
  });

  it('names the file and field of a malformed config', async () => {
    const dir = tinyFolder();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'clipseg', reduce_dim: 'big' }));
    await assert.rejects(loadFolder(dir), /config\.json: invalid config: field 'reduce_dim': Expected number, received string/);
    writeFileSync(join(dir, 'config.json'), '{ nope');
    assert.throws(() => detectFamily(dir), /config\.json: not valid JSON/);
    // The message says where the JSON breaks, never what the file holds.
    writeFileSync(join(dir, 'config.json'), 'SECRET-TOKEN-1234 {}');
    assert.throws(() => detectFamily(dir), (e: Error) => /config\.json: not valid JSON \(unexpected character\)/.test(e.message) && !e.message.includes('SECRET'));
  });

  it('lists the supported families for an unknown folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-unknown-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert' }));
    assert.throws(() => detectFamily(dir), /no model family recognises this checkpoint folder \(config\.json model_type: "bert"\); supported: clipseg/);
  });
});

describe('full-size CIDAS/clipseg-rd64-refined configuration with random weights', () => {
  it('segments a 352x352 and a 500x375 image into masks of their own size', () => {
    torch.manualSeed(0);
    const module = torch.scope(() => new CLIPSegForImageSegmentation(clipsegRd64Refined())).eval();
    assert.equal(module.numParameters(), 150_747_746);
    const model = new ClipsegSegmentationModel(module, ClipTokenizer.fromDirectory(join(fixture)), CLIPSEG_PREPROCESSING);
    const [square, wide] = predictBatch(model, [gradientImage(352, 352), gradientImage(500, 375)], ['a polyp', 'a breast tumour'], { keepLogits: true });
    assert.deepEqual([square!.mask.width, square!.mask.height], [352, 352]);
    assert.deepEqual([wide!.mask.width, wide!.mask.height], [500, 375]);
    assert.deepEqual(wide!.logits!.shape, [375, 500]);
    assert.ok(wide!.probabilities.every(Number.isFinite));
    torch.dispose(square!.logits, wide!.logits);
    model.dispose();
  });
});
