// The one way logits at model resolution reach the original size (src/models/resample.ts):
// nearest-exact index rule, resampling before the threshold, the threshold at logit(threshold),
// and bad input refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { torch } from '../../src/index.js';
import { checkThreshold, parseResample, resampleLogits, RESAMPLES, thresholdLogits, type Resample } from '../../src/models/resample.js';

const values = (t: torch.Tensor): number[] => Array.from(t.float().data() as Float32Array);
const bools = (t: torch.Tensor): boolean[] => Array.from(t.to('uint8').data() as Uint8Array, (v) => v > 0);

/** sigmoid(resampleLogits(logits → size)) > threshold, as booleans. */
function maskAt(logits: number[][], size: [number, number], resample: Resample, threshold: number): boolean[] {
  return torch.scope(() => bools(thresholdLogits(resampleLogits(torch.tensor(logits), size, resample), threshold)));
}

describe("'nearest-mask' takes source index ⌊(i + ½)·in/out⌋ (nearest-exact)", () => {
  // Logits equal to their own indices, so each output names the source index it took.
  it('upsamples 3 → 5 as [0, 0, 1, 2, 2], not legacy nearest [0, 0, 1, 1, 2]', () => {
    torch.scope(() => {
      assert.deepEqual(values(resampleLogits(torch.tensor([[0, 1, 2]]), [1, 5], 'nearest-mask')), [0, 0, 1, 2, 2]);
    });
  });

  it('downsamples 5 → 3 as [0, 2, 4], on either axis', () => {
    torch.scope(() => {
      assert.deepEqual(values(resampleLogits(torch.tensor([[0, 1, 2, 3, 4]]), [1, 3], 'nearest-mask')), [0, 2, 4]);
      assert.deepEqual(values(resampleLogits(torch.tensor([[0], [1], [2], [3], [4]]), [3, 1], 'nearest-mask')), [0, 2, 4]);
    });
  });

  it('so thresholding after it is thresholding the mask at model resolution, then resizing the mask', () => {
    assert.deepEqual(maskAt([[-1, 0.2, -1]], [1, 6], 'nearest-mask', 0.5), [false, false, true, true, false, false]);
  });
});

describe('resampling the logits before the threshold', () => {
  it("'bilinear-logits' lets a thin weak structure vanish that 'nearest-mask' keeps", () => {
    // Bilinear 3 → 6 (align_corners false) samples at 0, 0.25, 0.75, 1.25, 1.75, 2: -1, -0.7, -0.1, -0.1, -0.7, -1.
    torch.scope(() => {
      const back = resampleLogits(torch.tensor([[-1, 0.2, -1]]), [1, 6], 'bilinear-logits');
      const expected = [-1, -0.7, -0.1, -0.1, -0.7, -1];
      values(back).forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-6, `${i}: ${v} vs ${expected[i]}`));
    });
    assert.deepEqual(maskAt([[-1, 0.2, -1]], [1, 6], 'bilinear-logits', 0.5), [false, false, false, false, false, false]);
  });

  it('thresholds at logit(threshold): 0.35 keeps what 0.5 drops', () => {
    // Bilinear 2 → 4: -1, -0.5, 0.5, 1; logit(0.35) ≈ -0.619 < -0.5 < 0 = logit(0.5).
    assert.deepEqual(maskAt([[-1, 1]], [1, 4], 'bilinear-logits', 0.5), [false, false, true, true]);
    assert.deepEqual(maskAt([[-1, 1]], [1, 4], 'bilinear-logits', 0.35), [false, true, true, true]);
    // Bicubic on probabilities (sigmoid ±1 = 0.269, 0.731): about 0.220, 0.374, 0.626, 0.780.
    assert.deepEqual(maskAt([[-1, 1]], [1, 4], 'bicubic-probabilities', 0.5), [false, false, true, true]);
    assert.deepEqual(maskAt([[-1, 1]], [1, 4], 'bicubic-probabilities', 0.35), [false, true, true, true]);
  });

  it("'bicubic-probabilities' stays finite where bicubic overshoots saturated probabilities", () => {
    torch.scope(() => {
      const back = values(resampleLogits(torch.tensor([[-100, 100, -100, 100]]), [1, 11], 'bicubic-probabilities'));
      assert.equal(back.length, 11);
      assert.ok(back.every(Number.isFinite), `finite: ${back}`);
    });
  });

  it('returns a copy of a map already at the size, whatever the mode', () => {
    for (const resample of RESAMPLES) {
      torch.scope(() => {
        const map = torch.tensor([[-2, 0.5], [3, -0.25]]);
        const back = resampleLogits(map, [2, 2], resample);
        assert.deepEqual(values(back), [-2, 0.5, 3, -0.25], resample);
        back.fill_(7);
        assert.deepEqual(values(map), [-2, 0.5, 3, -0.25], `${resample}: the input is untouched`);
      });
    }
  });
});

describe('bad input is refused', () => {
  it('takes one [H, W] map, not batch or channel dimensions', () => {
    torch.scope(() => {
      assert.throws(() => resampleLogits(torch.zeros([2, 1, 8, 8]), [5, 12], 'bicubic-logits'), {
        name: 'RangeError',
        message: 'resampleLogits: expected one logit map [H, W], got [2, 1, 8, 8]',
      });
      assert.throws(() => resampleLogits(torch.zeros([4, 4]), [0, 3], 'nearest-mask'), {
        message: 'resampleLogits: size must be [height, width] of positive integers, got [0, 3]',
      });
    });
  });

  it('rejects an unknown mode, naming the option and the choices', () => {
    assert.equal(parseResample('bicubic-probabilities', '--resample'), 'bicubic-probabilities');
    assert.throws(() => parseResample('bilinear', '--resample'), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, "--resample must be one of nearest-mask, bilinear-logits, bicubic-logits, bicubic-probabilities, got 'bilinear'");
      return true;
    });
    torch.scope(() => {
      assert.throws(() => resampleLogits(torch.zeros([4, 4]), [8, 8], 'area' as Resample), {
        name: 'RangeError',
        message: 'resampleLogits: resample must be one of nearest-mask, bilinear-logits, bicubic-logits, bicubic-probabilities, got "area"',
      });
    });
  });

  it('rejects a threshold outside [0, 1]', () => {
    for (const bad of [-0.1, 1.5, Number.NaN]) {
      assert.throws(() => checkThreshold(bad), { name: 'RangeError', message: `threshold must be a probability in [0, 1], got ${bad}` });
      assert.throws(() => torch.scope(() => thresholdLogits(torch.zeros([2, 2]), bad)), { message: `threshold must be a probability in [0, 1], got ${bad}` });
    }
    for (const fine of [0, 0.35, 1]) checkThreshold(fine);
  });
});
