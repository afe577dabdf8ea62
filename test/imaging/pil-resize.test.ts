// pilResize against Pillow's Image.resize (tools/make-pil-resize-golden.py, Debian python3-pil):
// every filter, shrinking, enlarging, mixed and same-size targets, grey and RGB, clipping of the
// negative lobes, the tall-image path, and whole BUSI images squashed to 352².
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { GrayImage } from '../../src/imaging/image-types.js';
import { pilResize, PIL_RESAMPLE_CODES, type PilFilter } from '../../src/imaging/pil-resize.js';
import { readRgbImage } from '../../src/imaging/read-image.js';
import { fixturePath, readJson, repoRoot } from '../helpers.js';

interface Stored { offset?: number; length: number; sha256?: string }
interface Golden {
  pillow: string;
  inputs: Record<string, { width: number; height: number; channels: 1 | 3 } & Stored>;
  resize: ({ input: string; width: number; height: number; filter: PilFilter } & Stored)[];
  busi: { file: string; width: number; height: number; filter: PilFilter; sha256: string }[];
}

const golden = readJson<Golden>(fixturePath('pil-resize', 'golden.json'));
const blob = readFileSync(fixturePath('pil-resize', 'golden.bin'));
const bytes = (s: Stored): Uint8Array => new Uint8Array(blob.buffer, blob.byteOffset + s.offset!, s.length);
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
const input = (name: string): GrayImage => {
  const i = golden.inputs[name]!;
  return { width: i.width, height: i.height, data: bytes(i).slice() };
};

/** Index and values of the first differing byte, for a readable failure. */
function firstDifference(actual: Uint8Array, expected: Uint8Array): string {
  const i = actual.findIndex((v, k) => v !== expected[k]);
  return i < 0 ? 'none' : `byte ${i}: ${actual[i]} vs Pillow's ${expected[i]}`;
}

function assertSameAsPillow(actual: Uint8Array, expected: Stored, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: ${actual.length} bytes, Pillow gives ${expected.length}`);
  if (expected.sha256 !== undefined) assert.equal(sha256(actual), expected.sha256, `${label}: differs from Pillow`);
  else assert.ok(Buffer.from(actual).equals(Buffer.from(bytes(expected))), `${label}: first difference at ${firstDifference(actual, bytes(expected))}`);
}

describe(`pilResize equals Pillow ${golden.pillow}'s Image.resize`, () => {
  const filters: PilFilter[] = ['nearest', 'box', 'bilinear', 'hamming', 'bicubic', 'lanczos'];
  for (const filter of filters) {
    it(`${filter}: every input and target size, byte for byte`, () => {
      const cases = golden.resize.filter((c) => c.filter === filter);
      assert.ok(cases.length >= 20);
      for (const c of cases) {
        const out = pilResize(input(c.input), c.width, c.height, filter);
        assert.equal(out.width, c.width);
        assert.equal(out.height, c.height);
        assertSameAsPillow(out.data, c, `${c.input} → ${c.width}×${c.height} ${filter}`);
      }
    });
  }

  it('whole BUSI images squashed to 352², every filter', async () => {
    const images = new Map<string, Awaited<ReturnType<typeof readRgbImage>>>();
    for (const c of golden.busi) {
      if (!images.has(c.file)) images.set(c.file, await readRgbImage(join(repoRoot, c.file)));
      const out = pilResize(images.get(c.file)!, c.width, c.height, c.filter);
      assert.equal(sha256(out.data), c.sha256, `${c.file} → 352² ${c.filter}`);
    }
  });

  it('maps PIL resample codes as Pillow numbers them', () => {
    assert.deepEqual(PIL_RESAMPLE_CODES, { 0: 'nearest', 1: 'lanczos', 2: 'bilinear', 3: 'bicubic', 4: 'box', 5: 'hamming' });
  });

  it('returns a copy, not the input, at the same size', () => {
    const image = input('rgb-13x9');
    const out = pilResize(image, 13, 9, 'bilinear');
    assert.notEqual(out.data, image.data);
    assert.deepEqual(out.data, image.data);
  });

  it('refuses bad sizes, byte counts and filters with a clear error', () => {
    const image = input('rgb-13x9');
    assert.throws(() => pilResize(image, 0, 5, 'bilinear'), { name: 'RangeError', message: 'pilResize: output size 0×5 must be positive integers' });
    assert.throws(() => pilResize({ width: 4, height: 4, data: new Uint8Array(20) }, 2, 2, 'box'), {
      message: 'pilResize: a 4×4 image holds 20 bytes; expected 16 (grey) or 48 (RGB)',
    });
    assert.throws(() => pilResize(image, 5, 5, 'cubic' as PilFilter), /unknown filter "cubic"/);
  });
});
