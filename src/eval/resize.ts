// Bringing a prediction back to the ground truth's (original) size before scoring, the two ways
// the reference does it (docs/evaluation.md §3,
// docs/training.md §7 item 8); src/eval/README.md says which evaluation uses which and why.
//
// - 'nearest-mask' (medvlsm HEAD): threshold at model resolution, then nearest-exact upsample of
//   the binary mask; source index ⌊(i + 0.5)·in/out⌋, PyTorch `nearest-exact` / PIL NEAREST.
// - 'bilinear' / 'bicubic' (the fork that produced the published CRIS numbers resamples the
//   probabilities bicubically): resample the scores, then threshold at the original size.
import type { GrayImage } from '../imaging/image-types.js';
import { resizeNearest } from '../imaging/resize.js';
import * as torch from '../torch/index.js';

type Tensor = torch.Tensor;

/** [height, width]. */
export type Size = readonly [number, number];

/** How a model-resolution prediction reaches the original size. */
export type Resampling = 'nearest-mask' | 'bilinear' | 'bicubic';

export interface ToSizeOptions {
  resampling?: Resampling;
  /** Probability threshold (0.5 for CLIPSeg/BiomedCLIPSeg/CNNs, 0.35 for CRIS); default 0.5. */
  threshold?: number;
  /**
   * What is resampled by 'bilinear'/'bicubic': 'logits' (default; sigmoid is monotone, so the
   * threshold becomes logit(threshold)) or 'probabilities' (sigmoid first, as the fork does).
   */
  space?: 'logits' | 'probabilities';
  /** Passed to F.interpolate for 'bilinear'/'bicubic' (default false). */
  alignCorners?: boolean;
}

function checkSize(op: string, size: Size): void {
  if (size.length !== 2 || !size.every((s) => Number.isInteger(s) && s > 0)) {
    throw new RangeError(`${op}: size must be [height, width] of positive integers, got [${size.join(', ')}]`);
  }
}

/**
 * Nearest-exact resize of a row-major mask (any 8-bit values; labels stay exact).
 *
 * @example resizeMaskNearest(mask, [352, 352], [h, w])
 */
export function resizeMaskNearest(mask: Uint8Array, from: Size, to: Size): Uint8Array {
  checkSize('resizeMaskNearest', from);
  checkSize('resizeMaskNearest', to);
  if (mask.length !== from[0] * from[1]) {
    throw new RangeError(`resizeMaskNearest: mask holds ${mask.length} pixels, from [${from.join(', ')}] needs ${from[0] * from[1]}`);
  }
  const image: GrayImage = { width: from[1], height: from[0], data: mask };
  return resizeNearest(image, to[1], to[0]).data;
}

/** [H, W] → [1, 1, H, W], [C, H, W] → [1, C, H, W]; [N, C, H, W] as is. */
function as4d(op: string, t: Tensor): { x: Tensor; restore: (y: Tensor) => Tensor } {
  const s = t.shape;
  if (s.length === 2) return { x: t.reshape([1, 1, s[0], s[1]]), restore: (y) => y.reshape(y.shape.slice(2)) };
  if (s.length === 3) return { x: t.unsqueeze(0), restore: (y) => y.squeeze(0) };
  if (s.length === 4) return { x: t, restore: (y) => y };
  throw new RangeError(`${op}: expected [H, W], [C, H, W] or [N, C, H, W], got [${s.join(', ')}]`);
}

/** Nearest-exact resize of a mask tensor ([H, W], [C, H, W] or [N, C, H, W]; bool → uint8 → bool). */
export function resizeMaskTensor(mask: Tensor, to: Size): Tensor {
  checkSize('resizeMaskTensor', to);
  return torch.scope(() => {
    const source = mask.dtype === 'bool' ? mask.to('uint8') : mask;
    const { x, restore } = as4d('resizeMaskTensor', source);
    const y = restore(torch.F.interpolate(x, { size: [...to], mode: 'nearest-exact' }));
    return mask.dtype === 'bool' ? y.to('bool') : y;
  });
}

/**
 * A model's raw logits ([H, W], [C, H, W] or [N, C, H, W] at model resolution) as a bool mask at
 * `to`, by the chosen `resampling` (default 'nearest-mask').
 */
export function logitsToMask(logits: Tensor, to: Size, o: ToSizeOptions = {}): Tensor {
  checkSize('logitsToMask', to);
  const threshold = o.threshold ?? 0.5;
  if (!(threshold > 0 && threshold < 1)) throw new RangeError(`logitsToMask: threshold is a probability in (0, 1), got ${threshold}`);
  const resampling = o.resampling ?? 'nearest-mask';
  return torch.scope(() => {
    if (resampling === 'nearest-mask') return resizeMaskTensor(logits.sigmoid().gt(threshold), to);
    if (resampling !== 'bilinear' && resampling !== 'bicubic') {
      throw new TypeError(`logitsToMask: resampling must be 'nearest-mask', 'bilinear' or 'bicubic', got ${JSON.stringify(resampling)}`);
    }
    const space = o.space ?? 'logits';
    const scores = space === 'probabilities' ? logits.float().sigmoid() : logits.float();
    const { x, restore } = as4d('logitsToMask', scores);
    const y = restore(torch.F.interpolate(x, { size: [...to], mode: resampling, alignCorners: o.alignCorners ?? false }));
    return space === 'probabilities' ? y.gt(threshold) : y.gt(Math.log(threshold / (1 - threshold)));
  });
}
