// Scoring a logit map against the original-size ground truth, at both resolutions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scorePrediction } from '../../src/eval/score.js';
import { torch } from '../../src/index.js';

// A 4 × 4 ground truth whose left half is foreground (JPEG-like value 3 included).
const gt = { width: 4, height: 4, data: new Uint8Array([255, 3, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0]) };

describe('scorePrediction', () => {
  it('scores a left-half logit map perfectly at the original size and at model resolution', () => {
    const logits = torch.tensor([[5, -5], [5, -5]]);
    const s = scorePrediction(logits, gt);
    assert.equal(s.original.dice, 1);
    assert.equal(s.model?.dice, 1);
    assert.deepEqual([s.model?.gt, s.model?.pixels], [2, 4]);
    assert.deepEqual(Array.from(s.mask), Array.from(gt.data, (v) => (v > 0 ? 255 : 0)));
    logits.dispose();
  });

  it('accepts [1, H, W] logits, and skips model resolution when asked', () => {
    const logits = torch.tensor([[[-5, -5], [-5, -5]]]);
    const s = scorePrediction(logits, gt, { atModelResolution: false, resampling: 'nearest-mask' });
    assert.equal(s.original.dice, 0);
    assert.equal(s.original.gt, 8);
    assert.equal(s.model, null);
    logits.dispose();
  });

  it('names the shapes it cannot use', () => {
    const logits = torch.zeros([2, 2, 2]);
    assert.throws(() => scorePrediction(logits, gt), { message: 'scorePrediction: logits must be [H, W] or [1, H, W], got [2, 2, 2]' });
    assert.throws(() => scorePrediction(torch.zeros([2, 2]), { width: 3, height: 3, data: new Uint8Array(4) }), {
      message: 'scorePrediction: ground truth holds 4 pixels, 3×3 needs 9',
    });
    logits.dispose();
  });
});
