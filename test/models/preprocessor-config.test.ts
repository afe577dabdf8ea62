// HuggingFace image-processor settings read as transformers reads them, and the pixels they give,
// against tensors computed with Pillow and numpy following transformers' PIL-backend steps
// (tools/make-pil-resize-golden.py): exact equality, float32 for float32.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import type { RgbImage } from '../../src/imaging/image-types.js';
import { CLIP_MEAN, CLIP_STD, processImages, sizeAfterResize } from '../../src/models/image-processor.js';
import { fromPreprocessorConfig, preprocessorConfigSchema, readImageProcessorConfig } from '../../src/models/preprocessor-config.js';
import { fixturePath, readJson } from '../helpers.js';

interface Case { name: string; input: string; config: Record<string, unknown>; shape: number[]; offset?: number; length: number; sha256?: string }
interface Golden { inputs: Record<string, { width: number; height: number; channels: number; offset: number; length: number }>; processors: Case[] }

const golden = readJson<Golden>(fixturePath('pil-resize', 'golden.json'));
const blob = readFileSync(fixturePath('pil-resize', 'golden.bin'));
const input = (name: string): RgbImage => {
  const i = golden.inputs[name]!;
  assert.equal(i.channels, 3);
  return { width: i.width, height: i.height, data: new Uint8Array(blob.subarray(i.offset, i.offset + i.length)) };
};
const FALLBACK: [number, number] = [352, 352];

function pixelsOf(c: Case): Float32Array {
  const config = fromPreprocessorConfig(preprocessorConfigSchema.parse(c.config), FALLBACK, c.name);
  const tensor = processImages([input(c.input)], config);
  assert.deepEqual(tensor.shape, [1, ...c.shape], `${c.name}: shape`);
  const values = tensor.data() as Float32Array;
  tensor.dispose();
  return values;
}

describe('preprocessor_config.json fields give the pixels transformers gives', () => {
  for (const c of golden.processors) {
    it(`${c.name}: ${JSON.stringify(c.config)}`, () => {
      const actual = pixelsOf(c);
      const bytes = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
      if (c.sha256 !== undefined) {
        assert.equal(createHash('sha256').update(bytes).digest('hex'), c.sha256, `${c.name}: differs from the Pillow/numpy pipeline`);
        return;
      }
      const expected = new Float32Array(blob.buffer.slice(blob.byteOffset + c.offset!, blob.byteOffset + c.offset! + c.length));
      const i = actual.findIndex((v, k) => v !== expected[k]);
      assert.equal(i, -1, `${c.name}: value ${i} is ${actual[i]}, transformers' steps give ${expected[i]}`);
    });
  }
});

describe('reading preprocessor settings', () => {
  const read = (json: Record<string, unknown>) => fromPreprocessorConfig(preprocessorConfigSchema.parse(json), FALLBACK);

  it('do_resize false leaves the image at its size; the model input falls back to the family size', () => {
    const config = read({ do_resize: false, size: 224 });
    assert.equal(config.resize, null);
    assert.deepEqual(config.size, FALLBACK);
    const image = input('rgb-13x9');
    const pixels = processImages([image], config);
    assert.deepEqual(pixels.shape, [1, 3, 9, 13]);
    pixels.dispose();
  });

  it('an int size is a square for ViT processors and the shortest edge for CLIP ones', () => {
    assert.deepEqual(read({ size: 352 }).resize, { height: 352, width: 352 });
    assert.deepEqual(read({ image_processor_type: 'CLIPImageProcessor', size: 352 }).resize, { shortestEdge: 352 });
    assert.deepEqual(read({ feature_extractor_type: 'CLIPFeatureExtractor', size: 352, crop_size: 300 }).centerCrop, [300, 300]);
    assert.deepEqual(read({ size: [10, 20] }).resize, { height: 10, width: 20 });
    assert.deepEqual(read({ size: [30] }).resize, { height: 30, width: 30 });
  });

  it('fields left out take the processor class defaults', () => {
    const vit = read({});
    assert.deepEqual([vit.resize, vit.resample, vit.centerCrop, vit.mean, vit.std, vit.size], [{ height: 224, width: 224 }, 'bilinear', null, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5], [224, 224]]);
    const clip = read({ image_processor_type: 'CLIPImageProcessor' });
    assert.deepEqual([clip.resize, clip.resample, clip.centerCrop, clip.mean, clip.std, clip.size], [{ shortestEdge: 224 }, 'bicubic', [224, 224], [...CLIP_MEAN], [...CLIP_STD], [224, 224]]);
    assert.equal(read({ do_center_crop: false, image_processor_type: 'CLIPImageProcessor' }).centerCrop, null);
  });

  it('maps every PIL resample code and refuses others', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((resample) => read({ resample }).resample), ['nearest', 'lanczos', 'bilinear', 'bicubic', 'box', 'hamming']);
    assert.throws(() => fromPreprocessorConfig(preprocessorConfigSchema.parse({ resample: 7 }), FALLBACK, 'x/preprocessor_config.json'), (e: unknown) =>
      e instanceof ConfigError && e.message === 'x/preprocessor_config.json: resample 7 is not a PIL filter; use 0 (nearest), 1 (lanczos), 2 (bilinear), 3 (bicubic), 4 (box) or 5 (hamming)');
  });

  it('do_rescale and do_normalize false leave the 8-bit values', () => {
    const config = read({ do_rescale: false, do_normalize: false, rescale_factor: 0.5 });
    assert.deepEqual([config.rescaleFactor, config.mean, config.std], [1, [0, 0, 0], [1, 1, 1]]);
  });

  it('computes sizes as transformers does for every size form', () => {
    assert.deepEqual(sizeAfterResize(36, 48, { shortestEdge: 20 }), [20, 26]);
    assert.deepEqual(sizeAfterResize(48, 36, { shortestEdge: 20 }), [26, 20]);
    assert.deepEqual(sizeAfterResize(36, 48, { shortestEdge: 30, longestEdge: 32 }), [24, 32]);
    assert.deepEqual(sizeAfterResize(36, 48, { shortestEdge: 36, longestEdge: 100 }), [36, 48]);
    assert.deepEqual(sizeAfterResize(36, 48, { longestEdge: 24 }), [18, 24]);
    assert.deepEqual(sizeAfterResize(36, 48, { maxHeight: 30, maxWidth: 20 }), [15, 20]);
    assert.deepEqual(sizeAfterResize(36, 48, null), [36, 48]);
  });

  it('refuses size dicts transformers refuses, naming the file and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-preproc-'));
    writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify({ size: { height: 10 } }));
    assert.throws(() => readImageProcessorConfig(dir, FALLBACK), (e: unknown) => e instanceof ConfigError && e.message.startsWith(`${join(dir, 'preprocessor_config.json')}: invalid config: field 'size'`));
  });

  it('a batch of images that come out in different sizes is refused', () => {
    const config = read({ do_resize: false });
    const small: RgbImage = { width: 2, height: 2, data: new Uint8Array(12) };
    assert.throws(() => processImages([input('rgb-13x9'), small], config), /image 1 \(2×2\) becomes 2×2 but image 0 becomes 13×9/);
  });
});

describe('transformers 5 folders: processor_config.json', () => {
  it("reads the nested image_processor before preprocessor_config.json", () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-proc5-'));
    writeFileSync(join(dir, 'processor_config.json'), JSON.stringify({ processor_class: 'CLIPSegProcessor', image_processor: { image_processor_type: 'ViTImageProcessor', size: { height: 64, width: 96 }, resample: 3 } }));
    writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify({ size: 352 }));
    const config = readImageProcessorConfig(dir, FALLBACK)!;
    assert.deepEqual([config.size, config.resample], [[64, 96], 'bicubic']);
  });

  it('falls back to preprocessor_config.json when processor_config.json has no image processor', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-proc5-'));
    writeFileSync(join(dir, 'processor_config.json'), JSON.stringify({ processor_class: 'CLIPSegProcessor' }));
    writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify({ size: 128 }));
    assert.deepEqual(readImageProcessorConfig(dir, FALLBACK)!.size, [128, 128]);
  });

  it('gives undefined for a folder with neither, and names the nested field on bad input', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-proc5-'));
    assert.equal(readImageProcessorConfig(dir, FALLBACK), undefined);
    writeFileSync(join(dir, 'processor_config.json'), JSON.stringify({ image_processor: { do_resize: 'yes' } }));
    assert.throws(() => readImageProcessorConfig(dir, FALLBACK), (e: unknown) =>
      e instanceof ConfigError && e.message.startsWith(`${join(dir, 'processor_config.json')} (image_processor): invalid config: field 'do_resize'`));
  });
});
