// Hostile and broken image inputs: every one is refused with a DatasetError naming the file, fast,
// before memory is spent: a small PNG declaring 16,000 × 16,000 pixels, /dev/zero, a FIFO, a
// directory, an oversized file, formats vlsm does not read (BMP, SVG).
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DatasetError } from '../../src/errors.js';
import { DEFAULT_IMAGE_LIMITS, imageLimits, setImageLimits } from '../../src/imaging/image-limits.js';
import { readNifti } from '../../src/imaging/nifti.js';
import { decodeRgbImage, readGrayImage, readImageSize, readRgbImage } from '../../src/imaging/read-image.js';
import { blackPngDeclaring, makeFifo, releaseFifo, TINY_SVG, tinyBmp, within } from './hostile-files.js';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'vlsm-hostile-images-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

/** Asserts a DatasetError for `file` whose message starts with the file and matches `pattern`. */
function refused(file: string, pattern: RegExp): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof DatasetError, `expected a DatasetError, got ${String(error)}`);
    assert.equal(error.file, file);
    assert.ok(error.message.startsWith(`${file}: `), error.message);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('hostile images', () => {
  it('refuses a small PNG that declares 16,000 x 16,000 pixels from its header, before decoding', async () => {
    const file = join(dir, 'huge.png');
    const bytes = blackPngDeclaring(16_000, 16_000);
    assert.ok(bytes.length < 2 * 1024 * 1024, `the file is small (${bytes.length} bytes)`);
    await writeFile(file, bytes);
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    await assert.rejects(within(5_000, 'readRgbImage', readRgbImage(file)), refused(file, /16000x16000 \(256000000 pixels\), over the limit of 40000000 pixels/));
    await assert.rejects(within(5_000, 'readImageSize', readImageSize(file)), refused(file, /over the limit/));
    assert.ok(Date.now() - started < 3_000, 'refused from the header, without decoding');
    assert.ok(process.memoryUsage().rss - rssBefore < 256 * 1024 * 1024, 'no pixel buffer was allocated');
  });

  it('decodes the same kind of PNG within the limit, and honours a smaller limit per call and per process', async () => {
    const file = join(dir, 'small-black.png');
    await writeFile(file, blackPngDeclaring(30, 20));
    const image = await readGrayImage(file);
    assert.deepEqual([image.width, image.height, image.data.length, image.data.every((v) => v === 0)], [30, 20, 600, true]);
    await assert.rejects(readGrayImage(file, { maxPixels: 599 }), refused(file, /30x20 \(600 pixels\), over the limit of 599 pixels/));
    try {
      setImageLimits({ maxPixels: 100 });
      await assert.rejects(readRgbImage(file), refused(file, /over the limit of 100 pixels/));
    } finally {
      setImageLimits(DEFAULT_IMAGE_LIMITS);
    }
    assert.deepEqual(imageLimits(), DEFAULT_IMAGE_LIMITS);
    assert.throws(() => setImageLimits({ maxPixels: 0 }), RangeError);
  });

  it('refuses /dev/zero, a directory and a FIFO by their kind, without reading and without blocking', async () => {
    await assert.rejects(within(3_000, '/dev/zero', readRgbImage('/dev/zero')), refused('/dev/zero', /it is a character device, not a regular file/));
    const folder = join(dir, 'folder.png');
    await mkdir(folder);
    await assert.rejects(readGrayImage(folder), refused(folder, /it is a directory, not a regular file/));
    const fifo = join(dir, 'pipe.png');
    makeFifo(fifo);
    try {
      await assert.rejects(within(3_000, 'a FIFO', readRgbImage(fifo)), refused(fifo, /it is a FIFO \(named pipe\), not a regular file/));
      await assert.rejects(within(3_000, 'a FIFO', readNifti(fifo)), refused(fifo, /FIFO/));
    } finally {
      releaseFifo(fifo);
    }
  });

  it('refuses a file over the byte limit before reading it', async () => {
    const file = join(dir, 'big.png');
    await writeFile(file, Buffer.alloc(4096));
    await assert.rejects(readRgbImage(file, { maxBytes: 4095 }), refused(file, /image file is 4096 bytes, over the limit of 4095 bytes/));
  });

  it('refuses BMP and SVG (not decoded), naming the formats it reads', async () => {
    const bmp = join(dir, 'tiny.bmp');
    await writeFile(bmp, tinyBmp());
    await assert.rejects(readRgbImage(bmp), refused(bmp, /cannot decode image/));
    const svg = join(dir, 'tiny.svg');
    await writeFile(svg, TINY_SVG);
    await assert.rejects(readRgbImage(svg), refused(svg, /svg images are not read; use PNG, JPEG, TIFF or WebP/));
    await assert.rejects(decodeRgbImage(TINY_SVG, 'the upload'), { name: 'DatasetError', message: /^the upload: svg images are not read/ });
  });
});
