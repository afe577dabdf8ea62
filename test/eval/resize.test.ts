// Bringing predictions to the original size: nearest-exact for masks (source ⌊(i + 0.5)·in/out⌋),
// bilinear/bicubic for scores before the threshold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logitsToMask, resizeMaskNearest, resizeMaskTensor } from '../../src/eval/resize.js';
import { torch } from '../../src/index.js';

const bools = (t: torch.Tensor): boolean[] => Array.from(t.to('uint8').data() as Uint8Array, (v) => v > 0);

describe('nearest-exact mask resize', () => {
  it('takes source index ⌊(i + 0.5)·in/out⌋: 3 → 5 is [0, 0, 1, 2, 2], not legacy nearest [0, 0, 1, 1, 2]', () => {
    // One row whose pixel values are their own indices, so the output names the source index it took.
    assert.deepEqual(Array.from(resizeMaskNearest(new Uint8Array([0, 1, 2]), [1, 3], [1, 5])), [0, 0, 1, 2, 2]);
  });

  it('downsamples 5 → 3 as [0, 2, 4]', () => {
    assert.deepEqual(Array.from(resizeMaskNearest(new Uint8Array([0, 1, 2, 3, 4]), [1, 5], [1, 3])), [0, 2, 4]);
    assert.deepEqual(Array.from(resizeMaskNearest(new Uint8Array([0, 1, 2, 3, 4]), [5, 1], [3, 1])), [0, 2, 4]);
  });

  it('resizes a row-major mask with those indices on both axes', () => {
    const mask = new Uint8Array([0, 255, 0, 255, 0, 255]); // 2 × 3: rows [0, 255, 0], [255, 0, 255]
    // 2 → 1 rows picks row ⌊0.5·2⌋ = 1; 3 → 5 columns pick [0, 0, 1, 2, 2].
    assert.deepEqual(Array.from(resizeMaskNearest(mask, [2, 3], [1, 5])), [255, 255, 0, 255, 255]);
    // 2 → 4 rows pick [0, 0, 1, 1].
    assert.deepEqual(Array.from(resizeMaskNearest(mask, [2, 3], [4, 3])), [0, 255, 0, 0, 255, 0, 255, 0, 255, 255, 0, 255]);
  });

  it('agrees with F.interpolate nearest-exact on tensors (uint8 and bool)', () => {
    const h = 7;
    const w = 5;
    const data = new Uint8Array(h * w).map((_, i) => ((i * 37) % 11 > 5 ? 255 : 0));
    for (const to of [[11, 13], [4, 3], [7, 5]] as const) {
      const t = torch.tensor(data, { shape: [h, w] });
      const resized = resizeMaskTensor(t, to);
      assert.deepEqual(resized.shape, [...to]);
      assert.deepEqual(Array.from(resized.data() as Uint8Array), Array.from(resizeMaskNearest(data, [h, w], to)), `to ${to}`);
      const b = t.gt(0);
      const rb = resizeMaskTensor(b, to);
      assert.equal(rb.dtype, 'bool');
      assert.deepEqual(bools(rb), Array.from(resizeMaskNearest(data, [h, w], to), (v) => v > 0));
      torch.dispose(t, resized, b, rb);
    }
  });

  it('names the pixel count and size when the mask does not fit `from`', () => {
    assert.throws(() => resizeMaskNearest(new Uint8Array(5), [2, 3], [4, 4]), { message: 'resizeMaskNearest: mask holds 5 pixels, from [2, 3] needs 6' });
  });
});

describe('logits to a mask at the original size', () => {
  it("'nearest-mask' thresholds at model resolution, then upsamples the mask (medvlsm HEAD)", () => {
    const logits = torch.tensor([[-1, 0.2, -1]]);
    const m = logitsToMask(logits, [1, 6]);
    assert.deepEqual(m.shape, [1, 6]);
    assert.deepEqual(bools(m), [false, false, true, true, false, false]);
    torch.dispose(logits, m);
  });

  it("'bilinear' resamples the logits first, so a thin weak structure can vanish that nearest keeps", () => {
    // Bilinear 3 → 6 (align_corners false) samples at 0, 0.25, 0.75, 1.25, 1.75, 2: -1, -0.7, -0.1, -0.1, -0.7, -1.
    const logits = torch.tensor([[-1, 0.2, -1]]);
    const m = logitsToMask(logits, [1, 6], { resampling: 'bilinear' });
    assert.deepEqual(bools(m), [false, false, false, false, false, false]);
    torch.dispose(logits, m);
  });

  it('thresholds resampled logits at logit(threshold): 0.35 keeps what 0.5 drops', () => {
    // Bilinear 2 → 4: -1, -0.5, 0.5, 1 on the left-right ramp; logit(0.35) ≈ -0.619.
    const logits = torch.tensor([[[[-1, 1]]]]);
    assert.deepEqual(bools(logitsToMask(logits, [1, 4], { resampling: 'bilinear', threshold: 0.5 })), [false, false, true, true]);
    assert.deepEqual(bools(logitsToMask(logits, [1, 4], { resampling: 'bilinear', threshold: 0.35 })), [false, true, true, true]);
    assert.deepEqual(bools(logitsToMask(logits, [1, 4], { resampling: 'bilinear', threshold: 0.35, space: 'probabilities' })), [false, true, true, true]);
    logits.dispose();
  });

  it('keeps batch and channel dimensions', () => {
    const logits = torch.randn([2, 1, 8, 8]);
    const m = logitsToMask(logits, [5, 12], { resampling: 'bicubic' });
    assert.deepEqual(m.shape, [2, 1, 5, 12]);
    assert.equal(m.dtype, 'bool');
    torch.dispose(logits, m);
  });

  it('rejects a threshold outside (0, 1) and an unknown resampling', () => {
    const logits = torch.zeros([4, 4]);
    assert.throws(() => logitsToMask(logits, [8, 8], { threshold: 0 }), { message: 'logitsToMask: threshold is a probability in (0, 1), got 0' });
    assert.throws(() => logitsToMask(logits, [8, 8], { resampling: 'area' as 'bilinear' }), {
      message: `logitsToMask: resampling must be 'nearest-mask', 'bilinear' or 'bicubic', got "area"`,
    });
    logits.dispose();
  });
});
