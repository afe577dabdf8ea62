// Batches: decoding with mask checks, masks at the model resolution, seeded epoch orders.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeGrayPng, writeRgbPng } from '../../src/imaging/write-image.js';
import { createGrayImage, createRgbImage } from '../../src/imaging/image-types.js';
import { batchesOf, decodeSample, epochOrder, masksToTensor } from '../../src/train/batches.js';
import type { PromptedSample } from '../../src/prompts/prompted-samples.js';
import { fixturePath, readJson } from '../helpers.js';

describe('batches', () => {
  it('names the mask and the image when their sizes differ', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-batch-'));
    await writeRgbPng(join(dir, 'a.png'), createRgbImage(8, 6));
    await writeGrayPng(join(dir, 'a-mask.png'), createGrayImage(8, 5));
    const sample = { record: { id: 'a', imagePath: join(dir, 'a.png'), maskPaths: [join(dir, 'a-mask.png')], metadata: {}, split: 'train' }, promptKey: 'p1', text: 'x' } as PromptedSample;
    await assert.rejects(decodeSample(sample), new RegExp(`a-mask\\.png: mask is 8x5 but its image .*a\\.png is 8x6`));
  });

  it("resizes masks to the model resolution with Pillow's NEAREST", () => {
    const m = createGrayImage(4, 2);
    m.data.set([0, 1, 1, 0, 1, 0, 0, 1]);
    assert.deepEqual(masksToTensor([m], [4, 8]).toArray(), [[[0, 0, 1, 1, 1, 1, 0, 0], [0, 0, 1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 0, 0, 1, 1], [1, 1, 0, 0, 0, 0, 1, 1]]]);
    // A 640×480 label map, where libtorch's nearest-exact would pick other pixels than Pillow.
    const labels = createGrayImage(640, 480);
    for (let i = 0; i < labels.data.length; i++) labels.data[i] = Number((BigInt(i) * 2654435761n) & 0xffffffffn) >>> 24;
    const golden = readJson<{ nearest_labels: { width: number; height: number; sha256: string }[] }>(fixturePath('pil-resize', 'golden.json'));
    for (const { width, height, sha256 } of golden.nearest_labels) {
      const t = masksToTensor([labels], [height, width]);
      const bytes = Uint8Array.from(t.data() as Float32Array);
      t.dispose();
      assert.equal(createHash('sha256').update(bytes).digest('hex'), sha256, `640×480 → ${width}×${height}`);
    }
  });

  it('draws the same order for the same seed and epoch, another for another epoch', () => {
    const a = epochOrder(50, 3, 0);
    assert.deepEqual(a, epochOrder(50, 3, 0));
    assert.notDeepEqual(a, epochOrder(50, 3, 1));
    assert.deepEqual([...a].sort((x, y) => x - y), [...Array(50).keys()]);
    assert.deepEqual(batchesOf([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  });
});
