import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GrayImage } from '../../src/imaging/image-types.js';
import { estimateColor, estimateShape, rgbToLab } from '../../src/prompts/geometry-estimator.js';
import { vqaQuestions } from '../../src/prompts/attribute-estimator.js';
import { drawGreenBox, vqaBox } from '../../src/prompts/green-box.js';

function draw(size: number, inside: (dx: number, dy: number) => boolean): GrayImage {
  const data = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (inside(x + 0.5 - size / 2, y + 0.5 - size / 2)) data[y * size + x] = 255;
  return { width: size, height: size, data };
}

describe('deterministic shape naming from mask geometry', () => {
  const shapes: Record<string, GrayImage> = {
    circle: draw(200, (x, y) => x * x + y * y <= 60 * 60),
    oval: draw(200, (x, y) => (x * x) / (80 * 80) + (y * y) / (35 * 35) <= 1),
    square: draw(200, (x, y) => Math.abs(x) <= 50 && Math.abs(y) <= 50),
    rectangle: draw(200, (x, y) => Math.abs(x) <= 80 && Math.abs(y) <= 30),
    triangle: draw(200, (x, y) => y >= -60 && y <= 40 && Math.abs(x) <= ((y + 60) / 100) * 60),
    irregular: draw(200, (x, y) => (Math.abs(x) <= 15 && Math.abs(y) <= 70) || (Math.abs(y) <= 15 && Math.abs(x) <= 70)),
  };

  it('names clean circles, ovals, squares, rectangles and triangles with the ISIC vocabulary', () => {
    assert.deepEqual(Object.fromEntries(Object.entries(shapes).map(([k, m]) => [k, estimateShape(m, 'isic')])), {
      circle: 'circle', oval: 'oval', square: 'square', rectangle: 'rectangle', triangle: 'triangle', irregular: 'heart',
    });
  });

  it('uses each family\'s own word for a category ("round" for polyps, "star" for irregular BUSI tumours)', () => {
    assert.equal(estimateShape(shapes['circle']!, 'endoscopy'), 'round');
    assert.equal(estimateShape(shapes['triangle']!, 'endoscopy'), 'triangular');
    assert.equal(estimateShape(shapes['irregular']!, 'busi'), 'star');
  });

  it('gives no shape for an empty mask', () => {
    assert.equal(estimateShape(draw(20, () => false), 'dfu'), undefined);
  });
});

describe('colour naming in CIELAB', () => {
  const mask = draw(10, (x, y) => x * x + y * y < 16);
  const filled = (rgb: [number, number, number]) => ({ width: 10, height: 10, data: Uint8Array.from({ length: 300 }, (_, i) => rgb[i % 3]!) });

  it('names the median colour inside the mask with the nearest word of the vocabulary', () => {
    assert.equal(estimateColor(filled([230, 150, 160]), mask, ['white', 'pink', 'red', 'brown']), 'pink');
    assert.equal(estimateColor(filled([120, 75, 40]), mask, ['white', 'pink', 'red', 'brown']), 'brown');
    assert.equal(estimateColor(filled([250, 250, 250]), mask, ['white', 'pink', 'red', 'brown']), 'white');
  });

  it('converts sRGB white to L = 100, a = b = 0', () => {
    const [L, a, b] = rgbToLab(255, 255, 255);
    assert.ok(Math.abs(L - 100) < 0.01 && Math.abs(a) < 0.01 && Math.abs(b) < 0.01);
  });
});

describe('the reference\'s VQA inputs, for an external model', () => {
  it('asks the questions of docs/prompts.md §2.3', () => {
    assert.deepEqual(vqaQuestions('camus', 'Left ventricular cavity'), { shape: 'What is the shape of the left ventricular cavity enclosed in the green box?' });
    assert.deepEqual(vqaQuestions('busi', 'x'), { shape: 'What is the shape of black patch enclosed in the green box?' });
    assert.equal(vqaQuestions('dfu', 'foot ulcer').color, 'What is the color of foot ulcer enclosed in green box?');
  });

  it('boxes only the first border region and draws a 5-pixel green outline 10 pixels out', () => {
    const mask: GrayImage = { width: 60, height: 60, data: new Uint8Array(3600) };
    for (let y = 20; y < 30; y++) for (let x = 20; x < 30; x++) mask.data[y * 60 + x] = 255;
    for (let y = 50; y < 55; y++) for (let x = 50; x < 55; x++) mask.data[y * 60 + x] = 255;
    assert.deepEqual(vqaBox(mask), [19, 19, 30, 30]);
    const boxed = drawGreenBox({ width: 60, height: 60, data: new Uint8Array(3 * 3600) }, mask);
    const at = (x: number, y: number) => [...boxed.data.subarray(3 * (y * 60 + x), 3 * (y * 60 + x) + 3)];
    assert.deepEqual(at(9, 9), [0, 255, 0]);
    assert.deepEqual(at(13, 20), [0, 255, 0]);
    assert.deepEqual(at(14, 20), [0, 0, 0]);
    assert.deepEqual(at(25, 25), [0, 0, 0]);
  });
});
