// Property: mutated PNG and JPEG bytes of a small real image either decode to a consistent image
// or are refused with a DatasetError naming the source; never another error type, never a hang.
// Seeded and bounded: 300 runs per format, each decode under 2 s.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import sharp from 'sharp';
import { DatasetError } from '../../src/errors.js';
import { decodeRgbImage } from '../../src/imaging/read-image.js';
import { within } from './hostile-files.js';

const WIDTH = 24;
const HEIGHT = 16;

async function picture(format: 'png' | 'jpeg'): Promise<Buffer> {
  const data = Buffer.alloc(WIDTH * HEIGHT * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + (i >> 5) * 11) % 256;
  const s = sharp(data, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } });
  return (format === 'png' ? s.png() : s.jpeg({ quality: 80 })).toBuffer();
}

/** Byte edits biased to the header (first 64 bytes), where sizes and chunk lengths live, plus a cut. */
const mutation = fc.record({
  edits: fc.array(fc.tuple(fc.oneof(fc.nat({ max: 63 }), fc.nat()), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
  cut: fc.option(fc.nat(), { nil: undefined }),
});

function mutate(original: Buffer, m: { edits: [number, number][]; cut: number | undefined }): Buffer {
  const bytes = Buffer.from(original);
  for (const [at, value] of m.edits) bytes[at % bytes.length] = value;
  return m.cut === undefined ? bytes : bytes.subarray(0, m.cut % (bytes.length + 1));
}

async function decodesOrRefuses(bytes: Buffer, source: string): Promise<void> {
  try {
    const image = await within(2_000, `decoding ${source}`, decodeRgbImage(bytes, source, { maxPixels: 1_000_000 }));
    assert.ok(image.width * image.height <= 1_000_000);
    assert.equal(image.data.length, image.width * image.height * 3);
  } catch (error) {
    assert.ok(error instanceof DatasetError, `expected a DatasetError, got ${(error as Error).name}: ${(error as Error).message}`);
    assert.ok(error.message.startsWith(`${source}: `), error.message);
    assert.equal(error.file, source);
  }
}

describe('image decoding under mutation (fast-check)', () => {
  for (const [format, seed] of [['png', 1201], ['jpeg', 1202]] as const) {
    it(`${format}: decodes or throws DatasetError naming the file (seed ${seed}, 300 runs)`, async () => {
      const original = await picture(format);
      await decodesOrRefuses(original, `original.${format}`);
      await fc.assert(
        fc.asyncProperty(mutation, (m) => decodesOrRefuses(mutate(original, m), `mutant.${format}`)),
        { seed, numRuns: 300 },
      );
    });
  }
});
