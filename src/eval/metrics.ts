// Per-item Dice and IoU of binary masks, as the paper's published evaluation computes them:
// MONAI `compute_dice` / `compute_iou` with `ignore_empty=False` (MONAI 1.1.0:
// `where(denominator > 0, ratio, 1.0)`), no smoothing, one channel, per (image, class) item
// (docs/evaluation.md §1). Masks are binarised with `value > threshold`, threshold 0
// by default as `old:scripts/eval_metrics.py` does (it matters for JPEG Kvasir masks, §7 item 9).
//
// Values are fractions in [0, 1]; the paper prints them ×100 (`percent`).
import * as torch from '../torch/index.js';

type Tensor = torch.Tensor;
const isTensor = torch.isTensor;

/**
 * What an item whose prediction and ground truth are both empty scores.
 * - `'one'`: 1, the reference evaluation (MONAI `ignore_empty=False`) and HEAD's training Dice;
 * - `'zero'`: 0, the fork's validation IoU (`inter / (union + 1e-6)`);
 * - `'nan'`: undefined, MONAI `ignore_empty=True`; `aggregate` leaves such items out of the mean.
 * A non-empty prediction on an empty ground truth scores 0 under every choice.
 */
export type EmptyEmpty = 'one' | 'zero' | 'nan';

export interface MetricOptions {
  /** Both-empty score (default `'one'`, the reference). */
  emptyEmpty?: EmptyEmpty;
  /** A pixel is foreground when its value is > threshold (default 0, the published evaluation). */
  threshold?: number;
}

/** A mask: pixel values (0/255, 0/1, JPEG-noisy …), booleans, or a tensor of any shape. */
export type MaskInput = Tensor | ArrayLike<number> | ArrayLike<boolean>;

/** Pixel counts of one (prediction, ground truth) pair: enough for every overlap metric. */
export interface MaskCounts {
  /** |G|: ground-truth foreground pixels. */
  gt: number;
  /** |P|: predicted foreground pixels. */
  pred: number;
  /** |P ∩ G|. */
  intersection: number;
  /** All pixels of the item (what an all-ones prediction covers). */
  pixels: number;
}

/** Everything the per-image CSV and the results store keep for one item. */
export interface ItemMetrics extends MaskCounts {
  dice: number;
  iou: number;
  /** Dice − Dice of an all-ones prediction (`ones_dice_diff` of `old:scripts/eval_metrics.py`). */
  onesDiceDiff: number;
  /** Dice − Dice of an all-zeros prediction (`zeros_dice_diff`). */
  zerosDiceDiff: number;
}

const emptyScore = (e: EmptyEmpty = 'one'): number => (e === 'one' ? 1 : e === 'zero' ? 0 : Number.NaN);

function checkEmptyEmpty(e: unknown): void {
  if (e !== undefined && e !== 'one' && e !== 'zero' && e !== 'nan') {
    throw new TypeError(`metrics: emptyEmpty must be 'one', 'zero' or 'nan', got ${JSON.stringify(e)}`);
  }
}

/** Dice = 2|P∩G| / (|P| + |G|); the `emptyEmpty` score when both are empty. */
export function diceFromCounts(c: MaskCounts, o: MetricOptions = {}): number {
  checkEmptyEmpty(o.emptyEmpty);
  const denominator = c.pred + c.gt;
  return denominator > 0 ? (2 * c.intersection) / denominator : emptyScore(o.emptyEmpty);
}

/** IoU = |P∩G| / |P∪G|; the `emptyEmpty` score when both are empty. */
export function iouFromCounts(c: MaskCounts, o: MetricOptions = {}): number {
  checkEmptyEmpty(o.emptyEmpty);
  const union = c.pred + c.gt - c.intersection;
  return union > 0 ? c.intersection / union : emptyScore(o.emptyEmpty);
}

/** Dice of this item minus the Dice an all-ones prediction would get on the same ground truth. */
export function onesDiceDiff(c: MaskCounts, o: MetricOptions = {}): number {
  const ones: MaskCounts = { gt: c.gt, pred: c.pixels, intersection: c.gt, pixels: c.pixels };
  return diceFromCounts(c, o) - diceFromCounts(ones, o);
}

/** Dice of this item minus the Dice an all-zeros prediction would get on the same ground truth. */
export function zerosDiceDiff(c: MaskCounts, o: MetricOptions = {}): number {
  const zeros: MaskCounts = { gt: c.gt, pred: 0, intersection: 0, pixels: c.pixels };
  return diceFromCounts(c, o) - diceFromCounts(zeros, o);
}

/** Dice, IoU, both diffs and the counts of one item. */
export function metricsFromCounts(c: MaskCounts, o: MetricOptions = {}): ItemMetrics {
  return { ...c, dice: diceFromCounts(c, o), iou: iouFromCounts(c, o), onesDiceDiff: onesDiceDiff(c, o), zerosDiceDiff: zerosDiceDiff(c, o) };
}

function describe(x: MaskInput): string {
  if (isTensor(x)) return `tensor [${x.shape.join(', ')}] ${x.dtype}`;
  return `${x.constructor?.name ?? 'array'} of ${x.length}`;
}

/**
 * Counts foreground, prediction and overlap pixels. Both masks must hold the same number of
 * pixels (tensors: same shape); a mask of booleans is taken as is, numbers as `value > threshold`.
 */
export function maskCounts(pred: MaskInput, gt: MaskInput, o: MetricOptions = {}): MaskCounts {
  const threshold = o.threshold ?? 0;
  if (isTensor(pred) || isTensor(gt)) {
    if (!(isTensor(pred) && isTensor(gt))) {
      throw new TypeError(`maskCounts: pred and gt must both be tensors or both arrays, got pred ${describe(pred)} and gt ${describe(gt)}`);
    }
    if (pred.shape.join() !== gt.shape.join()) {
      throw new RangeError(`maskCounts: pred ${describe(pred)} and gt ${describe(gt)} differ in shape; resize the prediction to the ground truth's size first (models/resample.ts)`);
    }
    const [p, g, i] = tensorCounts(pred, gt, threshold, []);
    return { pred: p[0], gt: g[0], intersection: i[0], pixels: pred.numel() };
  }
  if (pred.length !== gt.length) {
    throw new RangeError(`maskCounts: pred (${describe(pred)}) and gt (${describe(gt)}) hold different numbers of pixels; resize the prediction to the ground truth's size first (models/resample.ts)`);
  }
  let nPred = 0;
  let nGt = 0;
  let inter = 0;
  for (let k = 0; k < pred.length; k++) {
    const pv = pred[k];
    const gv = gt[k];
    const p = typeof pv === 'boolean' ? pv : pv > threshold;
    const g = typeof gv === 'boolean' ? gv : gv > threshold;
    if (p) nPred++;
    if (g) nGt++;
    if (p && g) inter++;
  }
  return { pred: nPred, gt: nGt, intersection: inter, pixels: pred.length };
}

/** Pred, gt and intersection counts, summed over every dim but the leading `keep` ones. */
function tensorCounts(pred: Tensor, gt: Tensor, threshold: number, keepShape: number[]): [number[], number[], number[]] {
  return torch.scope(() => {
    const binary = (t: Tensor): Tensor => (t.dtype === 'bool' ? t : t.gt(threshold));
    const p = binary(pred).reshape([...keepShape, -1]);
    const g = binary(gt).reshape([...keepShape, -1]);
    const read = (t: Tensor): number[] => Array.from(t.sum(-1).to('float64').data() as Float64Array);
    return [read(p), read(g), read(p.logicalAnd(g))];
  });
}

/**
 * Counts per item of a batch: `pred` and `gt` of the same shape [N, ...]; item k is index k of
 * the first dimension. One pass on the device, N numbers per count read back.
 */
export function batchMaskCounts(pred: Tensor, gt: Tensor, o: MetricOptions = {}): MaskCounts[] {
  if (pred.shape.join() !== gt.shape.join()) {
    throw new RangeError(`batchMaskCounts: pred [${pred.shape.join(', ')}] and gt [${gt.shape.join(', ')}] differ in shape`);
  }
  if (pred.ndim < 1) throw new RangeError('batchMaskCounts: expected a batch [N, ...], got a 0-d tensor');
  const n = pred.shape[0];
  const pixels = n === 0 ? 0 : pred.numel() / n;
  const [p, g, i] = tensorCounts(pred, gt, o.threshold ?? 0, [n]);
  return p.map((_, k) => ({ pred: p[k], gt: g[k], intersection: i[k], pixels }));
}

/** Dice of one item (binary masks or pixel values binarised with `> threshold`). */
export const dice = (pred: MaskInput, gt: MaskInput, o: MetricOptions = {}): number => diceFromCounts(maskCounts(pred, gt, o), o);

/** IoU of one item. */
export const iou = (pred: MaskInput, gt: MaskInput, o: MetricOptions = {}): number => iouFromCounts(maskCounts(pred, gt, o), o);

/** Dice, IoU, the ones/zeros Dice differences and the pixel counts of one item. */
export const itemMetrics = (pred: MaskInput, gt: MaskInput, o: MetricOptions = {}): ItemMetrics => metricsFromCounts(maskCounts(pred, gt, o), o);

/** ×100, the paper's scale. */
export const percent = (fraction: number): number => fraction * 100;
