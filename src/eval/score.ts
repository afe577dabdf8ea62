// Scoring one prediction the two ways evaluation needs: at the original image size (the paper's
// tables) and at model resolution (what training logs see). The prediction is a logit map at model
// resolution; the ground truth is the mask file's pixels at the original size.
import type { GrayImage } from '../imaging/image-types.js';
import * as torch from '../torch/index.js';
import { itemMetrics, type EmptyEmpty, type ItemMetrics } from './metrics.js';
import { logitsToMask, resizeMaskNearest, type Resampling } from './resize.js';

export interface ScoreOptions {
  /** How the prediction reaches the original size (default 'nearest-mask', as `evaluate`; see README). */
  resampling?: Resampling;
  /** Probability threshold of the model (0.5; 0.35 for CRIS). */
  threshold?: number;
  /** What 'bilinear'/'bicubic' resample (default 'logits'). */
  space?: 'logits' | 'probabilities';
  /** Ground-truth pixels > this are foreground (default 0, the published evaluation). */
  gtThreshold?: number;
  /** Both-empty score (default 'one'). */
  emptyEmpty?: EmptyEmpty;
  /** Also score at model resolution (default true). */
  atModelResolution?: boolean;
}

export interface ScoredItem {
  /** At the ground truth's size: the numbers the paper's tables are made of. */
  original: ItemMetrics;
  /** At the logits' size, against the ground truth resized there by nearest-exact; null when not asked. */
  model: ItemMetrics | null;
  /** The predicted mask at the original size, 0/255, row-major (for writing prediction PNGs). */
  mask: Uint8Array;
}

/**
 * Scores one item. `logits` is [H, W] or [1, H, W] at model resolution; `gt` the ground-truth
 * mask at the original size.
 */
export function scorePrediction(logits: torch.Tensor, gt: GrayImage, o: ScoreOptions = {}): ScoredItem {
  const shape = logits.shape;
  const plane = shape.length === 3 && shape[0] === 1 ? shape.slice(1) : shape;
  if (plane.length !== 2) throw new RangeError(`scorePrediction: logits must be [H, W] or [1, H, W], got [${shape.join(', ')}]`);
  if (gt.data.length !== gt.width * gt.height) {
    throw new RangeError(`scorePrediction: ground truth holds ${gt.data.length} pixels, ${gt.width}×${gt.height} needs ${gt.width * gt.height}`);
  }
  const threshold = o.threshold ?? 0.5;
  const metricOptions = { emptyEmpty: o.emptyEmpty, threshold: o.gtThreshold ?? 0 };
  const [mask, modelMask] = torch.scope(() => {
    const map = logits.reshape(plane);
    const original = logitsToMask(map, [gt.height, gt.width], { resampling: o.resampling ?? 'nearest-mask', threshold, space: o.space });
    const atModel = o.atModelResolution === false ? null : map.sigmoid().gt(threshold);
    const bytes = (t: torch.Tensor): Uint8Array => Uint8Array.from(t.to('uint8').data() as Uint8Array, (v) => (v ? 255 : 0));
    return [bytes(original), atModel ? bytes(atModel) : null] as const;
  });
  const original = itemMetrics(mask, gt.data, metricOptions);
  let model: ItemMetrics | null = null;
  if (modelMask) {
    const gtAtModel = resizeMaskNearest(gt.data, [gt.height, gt.width], [plane[0], plane[1]]);
    model = itemMetrics(modelMask, gtAtModel, metricOptions);
  }
  return { original, model, mask };
}
