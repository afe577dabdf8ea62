// How a model's logits at its input resolution become a mask at each image's own size: the one
// definition that `predict`, `vlsm segment`, `vlsm eval`, `vlsm serve` and the trainer share.
//
// Each family declares its default (`SegmentationModel.resample`), after the code that produced
// its published numbers; every caller may choose another. The modes:
//
// - 'nearest-mask'           medvlsm HEAD (CLIPSeg, BiomedCLIPSeg(-D), the CNNs, CRIS with the
//                            squash resize): threshold at model resolution, then resize the binary
//                            mask with nearest-exact (source index ⌊(i + ½)·in/out⌋, PyTorch
//                            `nearest-exact`, PIL NEAREST). Nearest copies values, so resampling the
//                            logits this way and thresholding after gives the same mask.
// - 'bicubic-probabilities'  the CRIS fork that produced the published CRIS numbers: sigmoid, then
//                            bicubic (align_corners false; CRIS's letterbox uses its inverse cubic
//                            warp instead), then threshold. Bicubic overshoots, so probabilities
//                            are clamped to [1e-6, 1 − 1e-6] before they are turned back into logits.
// - 'bilinear-logits'        bilinear on the logits (align_corners false), then threshold: smooth
//                            boundaries, what HuggingFace's CLIPSeg examples do.
// - 'bicubic-logits'         the same, bicubic.
//
// Resampling returns logits at the original size; the mask is always sigmoid(logits) > threshold,
// computed by `thresholdLogits` in float32, so every caller turns the same logits into the same
// mask bit for bit. At model resolution (the trainer's validation Dice) the same function applies
// without a resize.
import { ConfigError } from '../errors.js';
import * as torch from '../torch/index.js';

type Tensor = torch.Tensor;

export const RESAMPLES = ['nearest-mask', 'bilinear-logits', 'bicubic-logits', 'bicubic-probabilities'] as const;

/** How logits at model resolution reach an image's original size (see the file comment). */
export type Resample = (typeof RESAMPLES)[number];

export const isResample = (value: unknown): value is Resample => (RESAMPLES as readonly unknown[]).includes(value);

/** `value` as a Resample, or a ConfigError naming `source` (an option or a file) and the choices. */
export function parseResample(value: string, source: string): Resample {
  if (isResample(value)) return value;
  throw new ConfigError(`${source} must be one of ${RESAMPLES.join(', ')}, got '${value}'`);
}

/** Probabilities are clamped to [ε, 1 − ε] before logit(), so the result stays finite. */
export const PROBABILITY_EPS = 1e-6;

/** logit(p) of probabilities, clamped to [ε, 1 − ε] first. */
export function probabilitiesToLogits(p: Tensor): Tensor {
  return torch.scope(() => {
    const clamped = p.clamp(PROBABILITY_EPS, 1 - PROBABILITY_EPS);
    return clamped.div(clamped.rsub(1)).log();
  });
}

function checkSize(size: readonly [number, number]): void {
  if (size.length !== 2 || !size.every((s) => Number.isInteger(s) && s > 0)) {
    throw new RangeError(`resampleLogits: size must be [height, width] of positive integers, got [${size.join(', ')}]`);
  }
}

/**
 * One logit map [H, W] at model resolution → logits [h, w] at `size`, by `resample`. A map already
 * at `size` is returned as a copy (every mode is the identity there).
 */
export function resampleLogits(map: Tensor, size: readonly [number, number], resample: Resample): Tensor {
  checkSize(size);
  if (map.ndim !== 2) throw new RangeError(`resampleLogits: expected one logit map [H, W], got [${map.shape.join(', ')}]`);
  const [h, w] = size;
  return torch.scope(() => {
    if (map.shape[0] === h && map.shape[1] === w) return map.clone();
    const x = map.unsqueeze(0).unsqueeze(0);
    switch (resample) {
      case 'nearest-mask':
        return torch.F.interpolate(x, { size: [h, w], mode: 'nearest-exact' }).view([h, w]);
      case 'bilinear-logits':
        return torch.F.interpolate(x, { size: [h, w], mode: 'bilinear', alignCorners: false }).view([h, w]);
      case 'bicubic-logits':
        return torch.F.interpolate(x, { size: [h, w], mode: 'bicubic', alignCorners: false }).view([h, w]);
      case 'bicubic-probabilities':
        return probabilitiesToLogits(torch.F.interpolate(x.sigmoid(), { size: [h, w], mode: 'bicubic', alignCorners: false })).view([h, w]);
      default:
        throw new RangeError(`resampleLogits: resample must be one of ${RESAMPLES.join(', ')}, got ${JSON.stringify(resample)}`);
    }
  });
}

/** Probabilities in float32: sigmoid of logits of any floating dtype. */
export function logitsToProbabilities(logits: Tensor): Tensor {
  return torch.scope(() => logits.sigmoid().float());
}

/** The mask rule everywhere: float32 sigmoid(logits) > threshold, a bool tensor of the logits' shape. */
export function thresholdLogits(logits: Tensor, threshold: number): Tensor {
  checkThreshold(threshold);
  return torch.scope(() => logitsToProbabilities(logits).gt(threshold));
}

export function checkThreshold(threshold: number): void {
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`threshold must be a probability in [0, 1], got ${threshold}`);
}
