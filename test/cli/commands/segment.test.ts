// `vlsm segment` end to end on a tiny CLIPSeg checkpoint folder and the bundled BUSI images.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runSegment } from '../../../src/cli/commands/segment.js';
import { torch } from '../../../src/index.js';
import { readGrayImage, readImageSize } from '../../../src/imaging/read-image.js';
import { repoRoot, fixturePath } from '../../helpers.js';

const fixture = fixturePath('clipseg-tiny');
const busi = join(repoRoot, 'assets', 'busi-sample', 'images');

function tinyModel(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vlsm-seg-model-'));
  copyFileSync(join(fixture, 'config.json'), join(dir, 'config.json'));
  copyFileSync(join(fixture, 'model.safetensors'), join(dir, 'model.safetensors'));
  writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify({ size: { height: 64, width: 64 } }));
  return dir;
}

describe('vlsm segment', () => {
  it('writes a mask of the image size, an overlay and the logits for one image', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vlsm-seg-out-'));
    const image = join(busi, '1_malignant.png');
    const code = await runSegment(['--model', tinyModel(), '--image', image, '--prompt', 'a malignant tumour', '--out', join(out, 'm.png'), '--overlay', join(out, 'o.png'), '--logits', join(out, 'l.safetensors')]);
    assert.equal(code, 0);
    const size = await readImageSize(image);
    const mask = await readGrayImage(join(out, 'm.png'));
    assert.deepEqual([mask.width, mask.height], [size.width, size.height]);
    assert.ok(mask.data.every((v) => v === 0 || v === 255));
    assert.deepEqual(await readImageSize(join(out, 'o.png')), size);
    const logits = torch.io.loadSafetensors(join(out, 'l.safetensors')).get('logits')!;
    assert.deepEqual(logits.shape, [size.height, size.width]);
    assert.equal(torch.io.readSafetensorsHeader(join(out, 'l.safetensors')).metadata.prompt, 'a malignant tumour');
  });

  it('segments a folder of images in batches into a folder of masks', async () => {
    const images = mkdtempSync(join(tmpdir(), 'vlsm-seg-in-'));
    for (const name of ['1_malignant.png', '2_malignant.png', '3_malignant.png']) copyFileSync(join(busi, name), join(images, name));
    mkdirSync(join(images, 'not-an-image'));
    const out = join(images, '..', `${images.split('/').pop()}-out`);
    assert.equal(await runSegment(['--model', tinyModel(), '--image', images, '--prompt', 'tumour', '--out', out, '--batch', '2']), 0);
    for (const name of ['1_malignant.png', '2_malignant.png', '3_malignant.png']) assert.ok(existsSync(join(out, name)), name);
  });

  it('refuses a threshold outside [0, 1] and a missing image, naming them', async () => {
    await assert.rejects(runSegment(['--model', tinyModel(), '--image', join(busi, '1_malignant.png'), '--prompt', 'x', '--threshold', '2']), /--threshold must be a probability in \[0, 1\], got '2'/);
    await assert.rejects(runSegment(['--model', tinyModel(), '--image', '/nonexistent.png', '--prompt', 'x']), /--image \/nonexistent\.png: no such file or folder/);
  });

  it('says clearly when an offline model id is not in the cache', async () => {
    const previous = process.env.HF_HUB_CACHE;
    process.env.HF_HUB_CACHE = mkdtempSync(join(tmpdir(), 'vlsm-hf-'));
    try {
      await assert.rejects(
        runSegment(['--model', 'CIDAS/clipseg-rd64-refined', '--image', join(busi, '1_malignant.png'), '--prompt', 'x', '--offline']),
        (e: Error) => /CIDAS\/clipseg-rd64-refined/.test(e.message) && /config\.json/.test(e.message) && /offline/i.test(e.message),
      );
    } finally {
      if (previous === undefined) delete process.env.HF_HUB_CACHE;
      else process.env.HF_HUB_CACHE = previous;
    }
  });
});
