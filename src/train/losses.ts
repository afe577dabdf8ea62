// Segmentation losses on logits [B, H, W] and {0, 1} (or soft) masks of the same shape.
//
// What the reference actually optimised (docs/training.md §2.2): the configs say "Dice + 0.2·CE"
// (MONAI DiceCELoss), but MONAI's CE term over a single channel is a log-softmax of one value,
// identically 0, so the VLSMs were trained on the Dice term alone; CRIS's fork uses BCE; the CNNs
// a per-image Dice that turns NaN on empty masks. vlsm's `dice` is MONAI's DiceLoss on sigmoid
// probabilities (smooth_nr = smooth_dr = 1e-5, per image, then the mean); `bce` is BCE with
// logits over pixels. A recipe weights them; `dice: 1, bce: 0` reproduces the published runs.
import * as torch from '../torch/index.js';

type Tensor = torch.Tensor;

export const MONAI_SMOOTH = 1e-5;

/** 1 − (2 Σ p·g + s) / (Σ p + Σ g + s) per image over p = sigmoid(logits), averaged over images. */
export function softDiceLoss(logits: Tensor, target: Tensor, smooth = MONAI_SMOOTH): Tensor {
  return torch.scope(() => {
    const p = logits.sigmoid().flatten(1);
    const g = target.to(p.dtype).flatten(1);
    const intersection = p.mul(g).sum(1);
    const denominator = p.sum(1).add(g.sum(1));
    return intersection.mul(2).add(smooth).div(denominator.add(smooth)).rsub(1).mean();
  });
}

/** Mean binary cross-entropy of sigmoid(logits) against the mask. */
export const bceLoss = (logits: Tensor, target: Tensor): Tensor => torch.F.binaryCrossEntropyWithLogits(logits, target.to(logits.dtype));

export interface LossWeights {
  dice: number;
  bce: number;
}

/** dice·softDice + bce·BCE, skipping a term whose weight is 0. */
export function segmentationLoss(logits: Tensor, target: Tensor, weights: LossWeights): Tensor {
  if (logits.ndim !== 3) throw new RangeError(`segmentationLoss: logits must be [B, H, W], got [${logits.shape.join(', ')}]`);
  const [a, b] = [logits.shape, target.shape];
  if (a.some((d, i) => d !== b[i]) || a.length !== b.length) {
    throw new RangeError(`segmentationLoss: target [${b.join(', ')}] does not match logits [${a.join(', ')}]; resize masks to the model resolution`);
  }
  if (!(weights.dice > 0) && !(weights.bce > 0)) throw new RangeError('segmentationLoss: at least one of the dice and bce weights must be positive');
  return torch.scope(() => {
    let loss: Tensor | undefined;
    if (weights.dice > 0) loss = softDiceLoss(logits, target).mul(weights.dice);
    if (weights.bce > 0) {
      const bce = bceLoss(logits, target).mul(weights.bce);
      loss = loss ? loss.add(bce) : bce;
    }
    return loss!;
  });
}
