// A CLIPSeg folder as transformers 5 saves it: the image processor inside processor_config.json
// (under image_processor), the tokenizer only as tokenizer.json; loaded from disk and from a Hub.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createRgbImage, type RgbImage } from '../../../src/imaging/image-types.js';
import type { ClipsegSegmentationModel } from '../../../src/models/clipseg/family.js';
import { IMAGENET_MEAN, IMAGENET_STD, processImages } from '../../../src/models/image-processor.js';
import { load } from '../../../src/models/load.js';
import { loadFolder } from '../../../src/models/registry.js';
import { bundledClipVocabularyDir, ClipTokenizer, clipTokenizerDescription } from '../../../src/tokenizers/clip-bpe.js';
import { startFakeHub } from '../../hub/fake-hub.js';
import { fixturePath } from '../../helpers.js';

const fixture = fixturePath('clipseg-tiny');

/** tokenizer.json for the bundled CLIP vocabulary, as transformers' CLIPConverter writes it. */
function tokenizerJson(): string {
  const dir = bundledClipVocabularyDir();
  const vocab = JSON.parse(readFileSync(join(dir, 'vocab.json'), 'utf8')) as Record<string, number>;
  const merges = readFileSync(join(dir, 'merges.txt'), 'utf8').split('\n').filter((l, i) => l.length > 0 && !(i === 0 && l.startsWith('#version'))).map((l) => l.split(' ') as [string, string]);
  return JSON.stringify(clipTokenizerDescription(vocab, merges));
}

const PROCESSOR = { processor_class: 'CLIPSegProcessor', image_processor: { image_processor_type: 'ViTImageProcessor', do_resize: true, size: { height: 64, width: 64 }, resample: 3, image_mean: [...IMAGENET_MEAN], image_std: [...IMAGENET_STD] } };

function transformers5Folder(processor: Record<string, unknown> = PROCESSOR): string {
  const dir = mkdtempSync(join(tmpdir(), 'vlsm-clipseg5-'));
  copyFileSync(join(fixture, 'config.json'), join(dir, 'config.json'));
  copyFileSync(join(fixture, 'model.safetensors'), join(dir, 'model.safetensors'));
  writeFileSync(join(dir, 'tokenizer.json'), tokenizerJson());
  writeFileSync(join(dir, 'processor_config.json'), JSON.stringify(processor));
  return dir;
}

function gradientImage(width: number, height: number): RgbImage {
  const image = createRgbImage(width, height);
  for (let i = 0; i < width * height; i++) {
    image.data[3 * i] = (i * 7) % 256;
    image.data[3 * i + 1] = (i * 13) % 256;
    image.data[3 * i + 2] = (i * 29) % 256;
  }
  return image;
}

describe('CLIPSeg folders written by transformers 5', () => {
  it('take the image processor from processor_config.json and the tokenizer from tokenizer.json', async () => {
    const dir = transformers5Folder();
    const model = (await loadFolder(dir)) as ClipsegSegmentationModel;
    assert.deepEqual(model.inputSize, [64, 64]);
    assert.equal(model.preprocessing.resample, 'bicubic');
    assert.equal(model.tokenizer.source, join(dir, 'tokenizer.json'));
    assert.deepEqual(model.tokenizer.encode(['a pink round polyp']).inputIds, ClipTokenizer.bundled().encode(['a pink round polyp']).inputIds);
    const image = gradientImage(90, 70);
    const batch = model.preprocess([image], ['a polyp']);
    const expected = processImages([image], { size: [64, 64], resample: 'bicubic', rescaleFactor: 1 / 255, mean: IMAGENET_MEAN, std: IMAGENET_STD });
    assert.deepEqual(batch.pixelValues.shape, [1, 3, 64, 64]);
    assert.equal(batch.pixelValues.sub(expected).abs().max().item(), 0);
    const { mask } = model.predict(image, 'a polyp');
    assert.deepEqual([mask.width, mask.height], [90, 70]);
    model.dispose();
  });

  it('do_resize false runs each image at its own size', async () => {
    const model = await loadFolder(transformers5Folder({ image_processor: { do_resize: false, image_mean: [...IMAGENET_MEAN], image_std: [...IMAGENET_STD] } }));
    const image = gradientImage(96, 64);
    const batch = model.preprocess([image], ['a polyp']);
    assert.deepEqual(batch.pixelValues.shape, [1, 3, 64, 96]);
    const { mask, probabilities } = model.predict(image, 'a polyp');
    assert.deepEqual([mask.width, mask.height], [96, 64]);
    assert.ok(probabilities.every(Number.isFinite));
    model.dispose();
  });

  it('are fetched from the Hub with processor_config.json', async () => {
    const dir = transformers5Folder();
    const files = Object.fromEntries(['config.json', 'model.safetensors', 'tokenizer.json', 'processor_config.json'].map((name) => [name, { content: readFileSync(join(dir, name)), lfs: name.endsWith('.safetensors') }]));
    const hub = await startFakeHub({ repoId: 'org/clipseg-v5', commit: 'c'.repeat(40), files });
    try {
      const cacheDir = mkdtempSync(join(tmpdir(), 'vlsm-hf5-cache-'));
      const model = await load('org/clipseg-v5', { cacheDir, env: { HF_ENDPOINT: hub.endpoint } });
      assert.ok(hub.log.some((r) => r.method === 'GET' && r.path.endsWith('/processor_config.json')), 'processor_config.json was not downloaded');
      assert.deepEqual(model.inputSize, [64, 64]);
      model.dispose();
    } finally {
      await hub.close();
    }
  });
});
