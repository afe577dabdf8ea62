// Every family whose reference resizes with Pillow (torchvision's Resize or a HuggingFace processor
// on a PIL image) feeds its model Pillow's bytes: a whole BUSI image squashed to 352² through each
// family's preprocessing, un-normalised, must hash to Pillow's BILINEAR resize of it
// (test/fixtures/pil-resize, tools/make-pil-resize-golden.py).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { torch } from '../../src/index.js';
import { readRgbImage } from '../../src/imaging/read-image.js';
import { imagesToPixelValues } from '../../src/models/biomedclipseg/preprocess.js';
import { CLIPSEG_PREPROCESSING } from '../../src/models/clipseg/family.js';
import { preprocessCnnImages } from '../../src/models/cnn/preprocess.js';
import type { CRISConfig } from '../../src/models/cris/config.js';
import { crisImages } from '../../src/models/cris/preprocess.js';
import { CLIP_MEAN, CLIP_STD, IMAGENET_MEAN, IMAGENET_STD, processImages } from '../../src/models/image-processor.js';
import { fixturePath, readJson, repoRoot } from '../helpers.js';

const golden = readJson<{ busi: { file: string; width: number; height: number; filter: string; sha256: string }[] }>(fixturePath('pil-resize', 'golden.json'));
const target = golden.busi.find((c) => c.filter === 'bilinear' && c.width === 352)!;

/** [1, 3, H, W] normalised pixels → the 8-bit HWC bytes they were made from. */
function bytesOf(pixels: torch.Tensor, mean: readonly number[], std: readonly number[]): Uint8Array {
  const [, , h, w] = pixels.shape as [number, number, number, number];
  const values = pixels.data() as Float32Array;
  const out = new Uint8Array(h * w * 3);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < h * w; i++) out[3 * i + c] = Math.round((values[c * h * w + i]! * std[c]! + mean[c]!) * 255);
  }
  pixels.dispose();
  return out;
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

describe(`model inputs hold Pillow's BILINEAR bytes (${target.file} → 352²)`, () => {
  it('CLIPSeg (HuggingFace ViTImageProcessor)', async () => {
    const image = await readRgbImage(join(repoRoot, target.file));
    assert.equal(sha256(bytesOf(processImages([image], CLIPSEG_PREPROCESSING), IMAGENET_MEAN, IMAGENET_STD)), target.sha256);
  });

  it('BiomedCLIPSeg (torchvision Resize, ToTensor, Normalize)', async () => {
    const image = await readRgbImage(join(repoRoot, target.file));
    assert.equal(sha256(bytesOf(imagesToPixelValues([image], { size: 352, mean: CLIP_MEAN, std: CLIP_STD }), CLIP_MEAN, CLIP_STD)), target.sha256);
  });

  it("CRIS with input.resize 'squash' (medvlsm's torchvision Resize)", async () => {
    const image = await readRgbImage(join(repoRoot, target.file));
    const config = { input: { image_size: [352, 352], pixel_mean: CLIP_MEAN, pixel_std: CLIP_STD, resize: 'squash' } } as unknown as CRISConfig;
    assert.equal(sha256(bytesOf(crisImages([image], config), CLIP_MEAN, CLIP_STD)), target.sha256);
  });

  it('the CNN baselines (torchvision Resize)', async () => {
    const image = await readRgbImage(join(repoRoot, target.file));
    assert.equal(sha256(bytesOf(preprocessCnnImages([image], { size: 352 }).pixelValues, IMAGENET_MEAN, IMAGENET_STD)), target.sha256);
  });
});
