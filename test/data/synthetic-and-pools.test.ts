import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readAnnotationFile } from '../../src/data/annotation-file.js';
import { predefinedPool, readPooledDataset } from '../../src/data/pooled-dataset.js';
import { createRandom } from '../../src/data/seeded-random.js';
import { drawSynthSample, writeSyntheticDataset } from '../../src/prompts/synthetic-referring.js';
import { readGrayImage } from '../../src/imaging/read-image.js';
import { computeMaskAttributes } from '../../src/prompts/mask-attributes.js';
import { grayWith, writeGray, writePicture, writeText } from './fixtures.js';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'vlsm-synth-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

describe('synthetic referring dataset', () => {
  it('writes images, one-object masks and P0–P9 describing the target in the non-radiology grammar', async () => {
    const out = join(dir, 'synth');
    const counts = await writeSyntheticDataset(out, { n: 10, seed: 5, size: 96 });
    assert.deepEqual(counts, { train: 8, val: 1, test: 1 });
    const [entry] = await readAnnotationFile(join(out, 'anns', 'test.json'));
    const meta = entry!.metadata as { target: number; objects: Array<{ shape: string; color: string }> };
    const target = meta.objects[meta.target]!;
    const attrs = entry!['attributes'] as Record<string, string>;
    assert.equal(attrs['shape'], target.shape);
    assert.equal(attrs['color'], target.color);
    assert.equal(entry!.prompts!['p6'], `one ${attrs['size']} ${target.color} ${target.shape} object, located in ${attrs['location']} of the image`);
    assert.equal((entry!.prompts!['p9'] as string[]).length, 5);
    const mask = await readGrayImage(join(out, 'masks', entry!.mask_name));
    assert.equal(computeMaskAttributes(mask).number, 1);
    assert.deepEqual(entry!.bbox, computeMaskAttributes(mask).bbox);
  });

  it('gives every object its own shape and colour, so P3 names exactly one', () => {
    for (let i = 0; i < 20; i++) {
      const sample = drawSynthSample(createRandom(i), 96, [3, 5]);
      assert.equal(new Set(sample.objects.map((o) => o.shape)).size, sample.objects.length);
      assert.equal(new Set(sample.objects.map((o) => o.color)).size, sample.objects.length);
    }
  });

  it('is the same for the same seed and differs for another', async () => {
    await writeSyntheticDataset(join(dir, 'a'), { n: 3, seed: 9, size: 64 });
    await writeSyntheticDataset(join(dir, 'b'), { n: 3, seed: 9, size: 64 });
    await writeSyntheticDataset(join(dir, 'c'), { n: 3, seed: 10, size: 64 });
    const read = (d: string): Promise<Buffer> => readFile(join(dir, d, 'images', 'synth_00000.png'));
    assert.deepEqual(await read('a'), await read('b'));
    assert.notDeepEqual(await read('a'), await read('c'));
  });

  it('rejects a bad sample count', async () => {
    await assert.rejects(writeSyntheticDataset(join(dir, 'bad'), { n: 0, seed: 1 }), { name: 'ConfigError', message: 'synth: --n must be a positive integer, got 0' });
  });
});

describe('pooled datasets', () => {
  it('predefines the paper\'s endoscopy pool and all-datasets pool, without the test-only sets', () => {
    assert.deepEqual(predefinedPool('endoscopy').members.map((m) => m.name), ['kvasir_polyp', 'clinicdb_polyp', 'bkai_polyp']);
    assert.deepEqual(predefinedPool('all').members.map((m) => m.name), ['kvasir_polyp', 'clinicdb_polyp', 'bkai_polyp', 'isic', 'dfu', 'camus', 'busi', 'chexlocalize']);
    assert.throws(() => predefinedPool('nope'), { message: 'unknown pooled dataset "nope"; predefined pools: endoscopy, all' });
  });

  it('reads every member and keeps each record\'s source dataset', async () => {
    for (const name of ['kvasir_polyp', 'clinicdb_polyp', 'bkai_polyp']) {
      const root = join(dir, 'data', name);
      await writePicture(join(root, 'images', '1.png'), 8, 8, 1);
      await writeGray(join(root, 'masks', '1.png'), grayWith(8, 8, [[1, 1, 3, 3]]));
      await writeText(join(root, 'anns', 'train.json'), JSON.stringify([{ img_name: '1.png', mask_name: '1.png' }]));
    }
    const records = await readPooledDataset(predefinedPool('endoscopy'), join(dir, 'data'));
    assert.deepEqual(records.map((r) => [r.id, r.metadata['dataset'], r.split]), [
      ['kvasir_polyp/1.png', 'kvasir_polyp', 'train'], ['clinicdb_polyp/1.png', 'clinicdb_polyp', 'train'], ['bkai_polyp/1.png', 'bkai_polyp', 'train'],
    ]);
  });
});
