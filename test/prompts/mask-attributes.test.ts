import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readGrayImage } from '../../src/imaging/read-image.js';
import type { GrayImage } from '../../src/imaging/image-types.js';
import { computeMaskAttributes, referenceBBox, renderLocations, renderSizes, sizeClassOf } from '../../src/prompts/mask-attributes.js';
import { capitalize, numberToWords } from '../../src/prompts/number-words.js';

const SAMPLE = join(process.cwd(), 'assets', 'busi-sample');

interface SampleEntry { img_name: string; mask_name: string; bbox: number[]; prompts: Record<string, string | string[]> }
const sample = JSON.parse(readFileSync(join(SAMPLE, 'anns.json'), 'utf8')) as SampleEntry[];

/** A W×H mask with the given rectangles [x0, y0, x1, y1) filled with `value` (default 255). */
function maskWith(width: number, height: number, rects: Array<[number, number, number, number, number?]>): GrayImage {
  const data = new Uint8Array(width * height);
  for (const [x0, y0, x1, y1, value = 255] of rects) {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * width + x] = value;
  }
  return { width, height, data };
}

describe('mask attributes in medvlsm mode on the BUSI sample', () => {
  for (const entry of sample) {
    it(`reproduces number, size, location and bbox of ${entry.img_name}`, async () => {
      const attrs = computeMaskAttributes(await readGrayImage(join(SAMPLE, 'masks', entry.mask_name)));
      const num = attrs.number === 1 ? 'One' : capitalize(numberToWords(attrs.number));
      const tumors = attrs.number === 1 ? 'tumor' : 'tumors';
      const expected = capitalize(`${num} ${renderSizes(attrs.sizes)} malignant ${tumors} at the ${renderLocations(attrs.locations)} in the breast ultrasound image.`);
      assert.equal(expected, (entry.prompts['p5'] as string[])[0]);
      assert.deepEqual(attrs.bbox, entry.bbox);
    });
  }
});

describe('mask attributes: the worked examples of docs/prompts.md §1', () => {
  it('counts two 1-pixel specks in number but gives them no size and drops them from the bbox (1_malignant)', async () => {
    const attrs = computeMaskAttributes(await readGrayImage(join(SAMPLE, 'masks', '1_malignant.png')));
    assert.equal(attrs.number, 3);
    assert.deepEqual(attrs.components.map((c) => c.size), ['large', undefined, undefined]);
    assert.deepEqual(attrs.locations, ['center', 'top', 'top']);
    assert.deepEqual(attrs.bbox, [7, 132, 440, 404]);
  });

  it('compares the column centre with the image height (2_malignant, 548×495: column 343 > 330 gives "right")', async () => {
    const mask = await readGrayImage(join(SAMPLE, 'masks', '2_malignant.png'));
    assert.deepEqual(computeMaskAttributes(mask).locations, ['right']);
    assert.deepEqual(computeMaskAttributes(mask, 'corrected').locations, ['center']);
  });

  it('gives "left" for a portrait image where a width-based test gives "center" (3_malignant)', async () => {
    const mask = await readGrayImage(join(SAMPLE, 'masks', '3_malignant.png'));
    assert.deepEqual(computeMaskAttributes(mask).locations, ['left']);
    assert.deepEqual(computeMaskAttributes(mask, 'corrected').locations, ['center']);
  });

  it('grows a filled blob\'s box by one pixel left and top, with exclusive right and bottom', () => {
    assert.deepEqual(referenceBBox(maskWith(100, 80, [[20, 10, 41, 31]])), [19, 9, 41, 31]);
  });

  it('clamps the bbox at the image edge', () => {
    assert.deepEqual(referenceBBox(maskWith(50, 40, [[0, 0, 10, 10]])), [0, 0, 10, 10]);
  });

  it('gives an empty mask bbox [W, H, 0, 0], number 0, no sizes and no locations', () => {
    const attrs = computeMaskAttributes(maskWith(690, 574, []));
    assert.deepEqual(attrs.bbox, [690, 574, 0, 0]);
    assert.equal(attrs.number, 0);
    assert.equal(renderSizes(attrs.sizes), '');
    assert.equal(renderLocations(attrs.locations), '');
  });

  it('separates diagonal neighbours (4-connectivity) and numbers components in raster order', () => {
    const attrs = computeMaskAttributes(maskWith(90, 90, [[60, 5, 80, 25], [5, 60, 25, 80], [25, 80, 30, 85]]));
    assert.equal(attrs.number, 3);
    assert.deepEqual(attrs.locations, ['top right', 'bottom left', 'bottom left']);
  });

  it('puts a component with no exact-255 pixel at "top left" wherever it is, counted but without a size', () => {
    const attrs = computeMaskAttributes(maskWith(90, 90, [[60, 60, 80, 80, 200]]));
    assert.equal(attrs.number, 1);
    assert.deepEqual(attrs.locations, ['top left']);
    assert.deepEqual(attrs.sizes, []);
    const corrected = computeMaskAttributes(maskWith(90, 90, [[60, 60, 80, 80, 200]]), 'corrected');
    assert.deepEqual(corrected.locations, ['bottom right']);
    assert.deepEqual(corrected.sizes, ['small']);
  });

  it('counts only exact-255 pixels towards coverage (a JPEG-like edge does not add size)', () => {
    // 20×20 of 255 in a 100×100 image is 0.04 → small; the 250-valued ring around it (40×40 in
    // all, 0.16) counts only in corrected mode → medium.
    const mask = maskWith(100, 100, [[30, 30, 70, 70, 250], [40, 40, 60, 60]]);
    assert.deepEqual(computeMaskAttributes(mask).sizes, ['small']);
    assert.deepEqual(computeMaskAttributes(mask, 'corrected').sizes, ['medium']);
  });

  it('emits sizes as a set in the order tiny, small, medium, large', () => {
    const attrs = computeMaskAttributes(maskWith(100, 100, [[0, 0, 60, 60], [90, 90, 92, 92]]));
    assert.equal(renderSizes(attrs.sizes), 'tiny, large');
  });

  it('keeps repeated location words, one per component', () => {
    const attrs = computeMaskAttributes(maskWith(90, 90, [[35, 35, 40, 40], [45, 45, 50, 50]]));
    assert.equal(renderLocations(attrs.locations), 'center, center');
  });

  it('uses the single significant cell when only one cell holds ≥ 10% of the pixels', () => {
    // 400 pixels in the centre cell, 20 (under 10%) spill into the right cell.
    const attrs = computeMaskAttributes(maskWith(90, 90, [[40, 40, 60, 60], [60, 40, 61, 60]]));
    assert.deepEqual(attrs.locations, ['center']);
  });

  it('corrected mode drops components too small for a size from number, location and bbox', () => {
    const attrs = computeMaskAttributes(maskWith(200, 200, [[50, 50, 90, 90], [150, 150, 151, 151]]), 'corrected');
    assert.equal(attrs.number, 1);
    assert.deepEqual(attrs.bbox, [50, 50, 90, 90]);
  });
});

describe('size classes (§1.4)', () => {
  it('applies the thresholds in the order large, medium, tiny, else small', () => {
    assert.equal(sizeClassOf(0.0001), undefined);
    assert.equal(sizeClassOf(0.00011), 'tiny');
    assert.equal(sizeClassOf(0.001), 'small');
    assert.equal(sizeClassOf(0.08), 'small');
    assert.equal(sizeClassOf(0.0801), 'medium');
    assert.equal(sizeClassOf(0.3), 'medium');
    assert.equal(sizeClassOf(0.31), 'large');
  });
});

describe('number words', () => {
  it('writes English cardinals as num2words does', () => {
    assert.deepEqual([1, 2, 10, 11, 13, 19, 21, 46, 73, 100, 105, 1234].map(numberToWords), [
      'one', 'two', 'ten', 'eleven', 'thirteen', 'nineteen', 'twenty-one', 'forty-six', 'seventy-three',
      'one hundred', 'one hundred and five', 'one thousand, two hundred and thirty-four',
    ]);
  });

  it('capitalises like Python: first letter upper, all others lower', () => {
    assert.equal(capitalize('two Large TUMORS'), 'Two large tumors');
  });
});
