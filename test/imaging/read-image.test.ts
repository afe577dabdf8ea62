import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DatasetError } from '../../src/errors.js';
import { readGrayImage, readImageSize, readRgbImage } from '../../src/imaging/read-image.js';
import { writeGrayPng, writeRgbPng } from '../../src/imaging/write-image.js';
import { resizeNearest } from '../../src/imaging/resize.js';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'vlsm-imaging-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

describe('image reading and writing', () => {
  it('converts colour to grey with PIL\'s luma: pure red is 76 and pure green 150 (the BKAI note)', async () => {
    const file = join(dir, 'rg.png');
    await writeRgbPng(file, { width: 2, height: 1, data: Uint8Array.from([255, 0, 0, 0, 255, 0]) });
    const gray = await readGrayImage(file);
    assert.deepEqual([...gray.data], [76, 150]);
  });

  it('writes a grey PNG that reads back pixel for pixel', async () => {
    const file = join(dir, 'mask.png');
    const data = Uint8Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? 255 : 0));
    await writeGrayPng(file, { width: 4, height: 3, data });
    const back = await readGrayImage(file);
    assert.equal(back.width, 4);
    assert.equal(back.height, 3);
    assert.deepEqual([...back.data], [...data]);
    assert.deepEqual(await readImageSize(file), { width: 4, height: 3 });
  });

  it('replicates a grey image into three RGB channels', async () => {
    const file = join(dir, 'g.png');
    await writeGrayPng(file, { width: 1, height: 1, data: Uint8Array.from([42]) });
    assert.deepEqual([...(await readRgbImage(file)).data], [42, 42, 42]);
  });

  it('names the file when an image is corrupt', async () => {
    const file = join(dir, 'corrupt.png');
    await writeFile(file, Buffer.from('\x89PNG\r\n\x1a\nnot really a png'));
    await assert.rejects(readGrayImage(file), (error: unknown) => {
      assert.ok(error instanceof DatasetError);
      assert.match(error.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot decode image \\(`));
      assert.equal(error.file, file);
      return true;
    });
  });

  it('names the file and the error code when an image is missing', async () => {
    const file = join(dir, 'missing.png');
    await assert.rejects(readGrayImage(file), { name: 'DatasetError', message: `${file}: cannot read image file (ENOENT)` });
  });

  it('resizes label maps by nearest neighbour without inventing values', () => {
    const out = resizeNearest({ width: 2, height: 2, data: Uint8Array.from([1, 2, 3, 0]) }, 4, 4);
    assert.deepEqual([...out.data], [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 0, 0, 3, 3, 0, 0]);
  });
});
