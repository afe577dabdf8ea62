// Dice and IoU per item: the worked cases of docs/evaluation.md §1, exactly, on
// arrays, booleans and tensors; the empty-mask choices; the ones/zeros Dice differences.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  batchMaskCounts, dice, diceFromCounts, iou, itemMetrics, maskCounts, onesDiceDiff, percent, zerosDiceDiff, type MaskCounts,
} from '../../src/eval/metrics.js';
import { torch } from '../../src/index.js';

const PIXELS = 16;

/** A 0/255 mask of PIXELS pixels with the given foreground indices. */
function mask(indices: number[]): Uint8Array {
  const m = new Uint8Array(PIXELS);
  for (const i of indices) m[i] = 255;
  return m;
}

// docs/evaluation.md §1, the worked cases (×100 as in the paper).
const WORKED: { name: string; gt: number[]; pred: number[]; dice: number; iou: number }[] = [
  { name: 'GT 0, pred 0', gt: [], pred: [], dice: 100, iou: 100 },
  { name: 'GT 0, pred 5', gt: [], pred: [0, 1, 2, 3, 4], dice: 0, iou: 0 },
  { name: 'GT 10, pred 0', gt: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], pred: [], dice: 0, iou: 0 },
  { name: 'GT 4, pred 2 inside GT', gt: [0, 1, 2, 3], pred: [1, 2], dice: 66.6667, iou: 50 },
  { name: 'GT 4, pred 4 with 2 shared', gt: [0, 1, 2, 3], pred: [2, 3, 4, 5], dice: 50, iou: 33.3333 },
];

const round4 = (v: number): number => Math.round(v * 1e4) / 1e4;

describe('Dice and IoU on the worked cases of docs/evaluation.md §1', () => {
  for (const c of WORKED) {
    it(`${c.name}: Dice ${c.dice}, IoU ${c.iou} from 0/255 arrays`, () => {
      assert.equal(round4(percent(dice(mask(c.pred), mask(c.gt)))), c.dice);
      assert.equal(round4(percent(iou(mask(c.pred), mask(c.gt)))), c.iou);
    });
    it(`${c.name}: the same from boolean arrays and from tensors`, () => {
      const asBool = (m: Uint8Array): boolean[] => Array.from(m, (v) => v > 0);
      assert.equal(round4(percent(dice(asBool(mask(c.pred)), asBool(mask(c.gt))))), c.dice);
      const t = (m: Uint8Array): torch.Tensor => torch.tensor(m, { shape: [4, 4] });
      const [p, g] = [t(mask(c.pred)), t(mask(c.gt))];
      assert.equal(round4(percent(dice(p, g))), c.dice);
      assert.equal(round4(percent(iou(p, g))), c.iou);
      torch.dispose(p, g);
    });
  }

  it('scores every item of a batch in one call, like the items one by one', () => {
    const preds = WORKED.map((c) => mask(c.pred));
    const gts = WORKED.map((c) => mask(c.gt));
    const stack = (ms: Uint8Array[]): torch.Tensor => torch.tensor(new Uint8Array(ms.flatMap((m) => Array.from(m))), { shape: [ms.length, 1, 4, 4] });
    const [p, g] = [stack(preds), stack(gts)];
    const counts = batchMaskCounts(p, g);
    torch.dispose(p, g);
    assert.deepEqual(counts, WORKED.map((_, k) => maskCounts(preds[k], gts[k])));
    assert.deepEqual(counts.map((c) => round4(percent(diceFromCounts(c)))), WORKED.map((c) => c.dice));
  });
});

describe('empty masks', () => {
  const empty = mask([]);
  const some = mask([3, 4]);

  it("scores empty prediction on empty ground truth 1 by default (the reference's MONAI ignore_empty=False)", () => {
    assert.equal(dice(empty, empty), 1);
    assert.equal(iou(empty, empty), 1);
  });

  it("scores it 0 with emptyEmpty 'zero' (the fork's validation IoU) and NaN with 'nan'", () => {
    assert.equal(dice(empty, empty, { emptyEmpty: 'zero' }), 0);
    assert.equal(iou(empty, empty, { emptyEmpty: 'zero' }), 0);
    assert.ok(Number.isNaN(dice(empty, empty, { emptyEmpty: 'nan' })));
    assert.ok(Number.isNaN(iou(empty, empty, { emptyEmpty: 'nan' })));
  });

  it('scores anything predicted on an empty ground truth 0 under every choice', () => {
    for (const emptyEmpty of ['one', 'zero', 'nan'] as const) {
      assert.equal(dice(some, empty, { emptyEmpty }), 0);
      assert.equal(iou(some, empty, { emptyEmpty }), 0);
    }
  });

  it('rejects an unknown emptyEmpty, naming the choices', () => {
    assert.throws(() => dice(empty, empty, { emptyEmpty: 'half' as 'one' }), { message: `metrics: emptyEmpty must be 'one', 'zero' or 'nan', got "half"` });
  });
});

describe('binarisation', () => {
  it('counts any value > 0 as foreground by default, as the published evaluation does for JPEG masks', () => {
    const gt = new Uint8Array([0, 3, 255, 254]);
    const pred = new Uint8Array([0, 0, 255, 255]);
    assert.deepEqual(maskCounts(pred, gt), { pred: 2, gt: 3, intersection: 2, pixels: 4 });
    assert.deepEqual(maskCounts(pred, gt, { threshold: 127 }), { pred: 2, gt: 2, intersection: 2, pixels: 4 });
  });

  it('binarises float tensors with the same threshold', () => {
    const pred = torch.tensor([0.2, 0.6, 0.9, 0.0]);
    const gt = torch.tensor([0, 1, 1, 1]);
    assert.deepEqual(maskCounts(pred, gt, { threshold: 0.5 }), { pred: 2, gt: 3, intersection: 2, pixels: 4 });
    torch.dispose(pred, gt);
  });

  it('names both sizes when the masks differ in size, and says to resize first', () => {
    assert.throws(() => maskCounts(new Uint8Array(4), new Uint8Array(6)), {
      message: 'maskCounts: pred (Uint8Array of 4) and gt (Uint8Array of 6) hold different numbers of pixels; resize the prediction to the ground truth\'s size first (models/resample.ts)',
    });
    const [a, b] = [torch.zeros([2, 3]), torch.zeros([3, 2])];
    assert.throws(() => maskCounts(a, b), { message: /^maskCounts: pred tensor \[2, 3\] float32 and gt tensor \[3, 2\] float32 differ in shape/ });
    torch.dispose(a, b);
  });
});

describe('ones and zeros Dice differences (ones_dice_diff, zeros_dice_diff of eval_metrics.py)', () => {
  it('subtract the Dice of an all-ones and of an all-zeros prediction', () => {
    // 16 pixels, GT 4, perfect prediction: Dice 1; all-ones Dice 2·4/(16+4) = 0.4; all-zeros Dice 0.
    const c: MaskCounts = { gt: 4, pred: 4, intersection: 4, pixels: 16 };
    assert.equal(round4(onesDiceDiff(c)), 0.6);
    assert.equal(zerosDiceDiff(c), 1);
  });

  it('on an empty ground truth: an empty prediction beats all-ones by 1 and ties all-zeros', () => {
    const c: MaskCounts = { gt: 0, pred: 0, intersection: 0, pixels: 16 };
    assert.equal(onesDiceDiff(c), 1);
    assert.equal(zerosDiceDiff(c), 0);
  });

  it('itemMetrics returns the counts, Dice, IoU and both differences', () => {
    const m = itemMetrics(mask([1, 2]), mask([0, 1, 2, 3]));
    assert.deepEqual(
      { ...m, dice: round4(m.dice), onesDiceDiff: round4(m.onesDiceDiff), zerosDiceDiff: round4(m.zerosDiceDiff) },
      { gt: 4, pred: 2, intersection: 2, pixels: 16, dice: 0.6667, iou: 0.5, onesDiceDiff: round4(2 / 3 - 0.4), zerosDiceDiff: 0.6667 },
    );
  });
});
