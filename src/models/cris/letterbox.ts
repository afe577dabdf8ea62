// The published CRIS fork's letterbox (docs/training.md §1.1 "CRIS, fork (published)",
// §7 items 2 and 8): Kanchan112/CRIS.pytorch@396cb84 utils/dataset.py and engine/engine.py.
//
// Forward (utils/dataset.py getTransformMat + cv2.warpAffine): scale s = min(H/h, W/w), the scaled
// image centred, x' = s·x + (W − s·w)/2 and y' = s·y + (H − s·h)/2. The image is warped with cubic
// interpolation (a = −0.75) and the CLIP mean × 255 as border value, so the padding is ≈ 0 after
// normalisation; a training mask is warped with linear interpolation, border 0, and divided by 255,
// so its edges are fractional.
// Inverse (engine/engine.py): sigmoid of the 104 × 104 logits, bicubic with align_corners true to
// 416, then cv2.warpAffine with the inverse matrix (cubic, border 0) to the original size, > 0.35.
//
// How this follows cv2.warpAffine, and where it does not:
// - Pixel centres: cv2 applies the matrix to integer pixel coordinates (pixel centres), so output
//   pixel X samples the source at (X − b)/s exactly. We sample at the same points with libtorch's
//   grid_sampler (align_corners false, grid built from those coordinates), not with F.interpolate +
//   F.pad, whose area-aligned convention (X + ½ = s·(x + ½) + b) would shift the content by
//   (s − 1)/2 output pixels and could only pad by whole pixels.
// - Border: cv2's BORDER_CONSTANT gives every out-of-image tap the border value; we subtract the
//   value, sample with zero padding and add it back, which is the same sum.
// - Kernel: both use Keys' cubic with a = −0.75 over 4 × 4 taps, and the same bilinear kernel.
// - Not reproduced: cv2 quantises source coordinates to 1/32 pixel (INTER_BITS 5) and, for 8-bit
//   images, uses 15-bit fixed-point weights; we interpolate in float32 at the exact coordinates.
//   Modelled in 1-D at scale 416/300 (not measured against cv2, which is not installed here): one
//   grey level at a clean 0/255 step, up to 4 on per-pixel noise.
// - cv2 converts the border Scalar to the image type, so the fork's padding is the rounded mean
//   (123, 117, 104), which normalises to (0.0033, 0.0038, −0.0013) rather than exactly 0; with
//   roundTo8Bit (the fork's 8-bit images) we do the same, without it the padding is exactly 0.
// - Neither cv2 nor this code antialiases when shrinking.
import * as torch from '../../torch/index.js';
import { aten } from '../../torch/dispatch.js';
import type { GrayImage, RgbImage } from '../../imaging/image-types.js';
import { imageToTensor } from '../image-processor.js';
import { probabilitiesToLogits, RESAMPLES, type Resample } from '../resample.js';

type Tensor = torch.Tensor;
type Size = readonly [number, number];

/** aten::grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners). */
const gridSampler = aten('grid_sampler', '', 'grid_sampler');
const INTERPOLATION = { bilinear: 0, nearest: 1, bicubic: 2 } as const;
const PADDING = { zeros: 0, border: 1 } as const;

/** An axis-aligned affine map x' = scale·x + offsetX, y' = scale·y + offsetY (pixel-centre coordinates). */
export interface LetterboxTransform {
  scale: number;
  offsetX: number;
  offsetY: number;
  /** [h, w] of the original image. */
  from: [number, number];
  /** [H, W] of the model input. */
  to: [number, number];
}

export type WarpMode = 'bicubic' | 'bilinear' | 'nearest';

function checkSize(op: string, size: Size): void {
  if (size.length !== 2 || !size.every((s) => Number.isInteger(s) && s > 0)) {
    throw new RangeError(`${op}: size must be [height, width] of positive integers, got [${size.join(', ')}]`);
  }
}

/**
 * The fork's getTransformMat: the largest scale at which the whole image fits `to`, centred.
 *
 * @example letterboxTransform([200, 400], [416, 416]) // scale 1.04, offsetX 0, offsetY 104
 */
export function letterboxTransform(from: Size, to: Size): LetterboxTransform {
  checkSize('letterboxTransform', from);
  checkSize('letterboxTransform', to);
  const [h, w] = from;
  const [H, W] = to;
  const scale = Math.min(H / h, W / w);
  return { scale, offsetX: (W - w * scale) / 2, offsetY: (H - h * scale) / 2, from: [h, w], to: [H, W] };
}

/** Normalised grid_sampler coordinates (align_corners false) of source pixel coordinates `p` over `n` pixels. */
const normalised = (p: Tensor, n: number): Tensor => p.mul(2 / n).add((1 - n) / n);

/**
 * Samples `input` [N, C, h, w] at source = (dst − offset) / scale for every destination pixel of
 * `out` (the cv2.warpAffine convention with the forward matrix), out-of-image taps reading `fill`
 * (one value, or one per channel), or the nearest edge pixel with padding 'border'.
 * Returns [N, C, out[0], out[1]] float32.
 */
function warp(input: Tensor, scale: number, offsetX: number, offsetY: number, out: Size, mode: WarpMode, fill: readonly number[], padding: keyof typeof PADDING = 'zeros'): Tensor {
  return torch.scope(() => {
    const [n, c, h, w] = input.shape;
    const [H, W] = out;
    if (fill.length !== 1 && fill.length !== c) throw new RangeError(`letterbox: fill has ${fill.length} values for ${c} channels; give one, or one per channel`);
    const device = input.device;
    // float64 coordinates, so large images keep sub-pixel accuracy before the float32 grid.
    const xs = normalised(torch.arange(0, W, 1, { dtype: 'float64', device }).sub(offsetX).div(scale), w!).float();
    const ys = normalised(torch.arange(0, H, 1, { dtype: 'float64', device }).sub(offsetY).div(scale), h!).float();
    const grid = torch.stack([xs.view([1, W]).expand([H, W]), ys.view([H, 1]).expand([H, W])], -1).unsqueeze(0).expand([n!, H, W, 2]).contiguous();
    const x = input.float();
    const anyFill = fill.some((v) => v !== 0);
    const shift = anyFill ? torch.tensor(fill.length === 1 ? Array(c!).fill(fill[0]) : [...fill], { device }).float().view([1, c!, 1, 1]) : undefined;
    const sampled = gridSampler(shift ? x.sub(shift) : x, grid, INTERPOLATION[mode], PADDING[padding], false) as Tensor;
    return shift ? sampled.add(shift) : sampled;
  });
}

/**
 * Letterboxes maps [N, C, h, w] (one original size) into the model input, as the fork's forward
 * cv2.warpAffine: cubic for images, linear for masks; `fill` is the border value (default 0).
 */
export function letterboxWarp(input: Tensor, transform: LetterboxTransform, o: { mode?: WarpMode; fill?: readonly number[] } = {}): Tensor {
  const [h, w] = transform.from;
  if (input.ndim !== 4 || input.shape[2] !== h || input.shape[3] !== w) {
    throw new RangeError(`letterboxWarp: expected [N, C, ${h}, ${w}] for a transform from [${h}, ${w}], got [${input.shape.join(', ')}]`);
  }
  const { scale, offsetX, offsetY } = transform;
  return warp(input, scale, offsetX, offsetY, transform.to, o.mode ?? 'bicubic', o.fill ?? [0]);
}

/**
 * The inverse warp: maps [N, C, H, W] at the model input back to the original [h, w], as the fork's
 * cv2.warpAffine with the inverse matrix: original pixel x reads input pixel scale·x + offsetX.
 * Cubic by default, out-of-range taps read `fill` (default 0, the fork's border on probabilities),
 * or the nearest edge value with padding 'border'.
 */
export function letterboxInverse(input: Tensor, transform: LetterboxTransform, o: { mode?: WarpMode; fill?: readonly number[]; padding?: 'zeros' | 'border' } = {}): Tensor {
  const [H, W] = transform.to;
  if (input.ndim !== 4 || input.shape[2] !== H || input.shape[3] !== W) {
    throw new RangeError(`letterboxInverse: expected [N, C, ${H}, ${W}] for a transform to [${H}, ${W}], got [${input.shape.join(', ')}]`);
  }
  const { scale, offsetX, offsetY } = transform;
  // dst x → src scale·x + offset, i.e. source = (dst − (−offset/scale)) / (1/scale).
  return warp(input, 1 / scale, -offsetX / scale, -offsetY / scale, transform.from, o.mode ?? 'bicubic', o.fill ?? [0], o.padding);
}

export interface LetterboxImageOptions {
  /** Model input [height, width]. */
  size: Size;
  /** Per-channel mean (0..1); the border value is mean × 255. */
  mean: readonly number[];
  std: readonly number[];
  /** Round the warped image (and the border value) to 8 bits, as the fork's uint8 cv2 image (default true). */
  roundTo8Bit?: boolean;
}

/**
 * Decoded RGB images → normalised batch [B, 3, H, W] float32 by the fork's letterbox: cubic warp
 * with the mean as border, 8-bit rounding, /255, (x − mean) / std.
 */
export function letterboxImages(images: readonly RgbImage[], o: LetterboxImageOptions): Tensor {
  const round = o.roundTo8Bit ?? true;
  const border = o.mean.map((m) => (round ? Math.round(m * 255) : m * 255));
  return torch.scope(() => {
    const warped = images.map((image) => {
      const x = letterboxWarp(imageToTensor(image), letterboxTransform([image.height, image.width], o.size), { mode: 'bicubic', fill: border });
      return round ? x.round().clamp(0, 255) : x;
    });
    const mean = torch.tensor([...o.mean]).view([1, 3, 1, 1]);
    const std = torch.tensor([...o.std]).view([1, 3, 1, 1]);
    return torch.cat(warped, 0).div(255).sub(mean).div(std);
  });
}

/**
 * Training masks → soft targets [B, H, W] float32 in [0, 1], as the fork: linear warp, border 0,
 * 8-bit rounding, /255. `maxValue` is the foreground value of the masks given (1 for the 0/1 masks
 * of train/batches.ts decodeSample, 255 for masks read as files). A drop-in for masksToTensor.
 */
export function letterboxMasks(masks: readonly GrayImage[], size: Size, o: { maxValue?: number } = {}): Tensor {
  const maxValue = o.maxValue ?? 1;
  if (!(maxValue > 0)) throw new RangeError(`letterboxMasks: maxValue must be positive, got ${maxValue}`);
  return torch.scope(() => {
    const warped = masks.map((m) => {
      const x = torch.tensor(m.data, { shape: [1, 1, m.height, m.width] }).float().mul(255 / maxValue);
      return letterboxWarp(x, letterboxTransform([m.height, m.width], size), { mode: 'bilinear' }).round().clamp(0, 255);
    });
    return torch.cat(warped, 0).squeeze(1).div(255);
  });
}

/**
 * One model-input map [H, W] back to an original `size` through the inverse letterbox, by
 * `resample` (models/resample.ts): 'bicubic-probabilities' is the fork's (sigmoid, inverse cubic
 * warp with border 0, then logit again, clamped to [1e-6, 1 − 1e-6]), so sigmoid(result) > t is its
 * decision on its probability map; the others warp the logits with that kernel ('nearest-mask':
 * nearest, which commutes with the threshold), border taps reading the nearest edge logit.
 */
export function letterboxResample(map: Tensor, inputSize: Size, size: readonly [number, number], resample: Resample): Tensor {
  if (map.ndim !== 2 || map.shape[0] !== inputSize[0] || map.shape[1] !== inputSize[1]) {
    throw new RangeError(`letterboxResample: expected a map [${inputSize.join(', ')}], got [${map.shape.join(', ')}]`);
  }
  return torch.scope(() => {
    const transform = letterboxTransform(size, inputSize);
    const x = map.float().unsqueeze(0).unsqueeze(0);
    switch (resample) {
      case 'bicubic-probabilities': return probabilitiesToLogits(letterboxInverse(x.sigmoid(), transform)).view([...size]);
      case 'bicubic-logits': return letterboxInverse(x, transform, { padding: 'border' }).view([...size]);
      case 'bilinear-logits': return letterboxInverse(x, transform, { mode: 'bilinear', padding: 'border' }).view([...size]);
      case 'nearest-mask': return letterboxInverse(x, transform, { mode: 'nearest', padding: 'border' }).view([...size]);
      default: throw new RangeError(`letterboxResample: resample must be one of ${RESAMPLES.join(', ')}, got ${JSON.stringify(resample)}`);
    }
  });
}

/**
 * Model-input maps [B, H, W] back to each original size through the inverse letterbox (cubic):
 * space 'probabilities' (the fork, default) or 'logits'; see letterboxResample.
 */
export function letterboxLogitsToOriginal(logits: Tensor, inputSize: Size, originalSizes: readonly (readonly [number, number])[], o: { space?: 'probabilities' | 'logits' } = {}): Tensor[] {
  if (logits.ndim !== 3 || logits.shape[0] !== originalSizes.length || logits.shape[1] !== inputSize[0] || logits.shape[2] !== inputSize[1]) {
    throw new RangeError(`letterboxLogitsToOriginal: logits [${logits.shape.join(', ')}] for ${originalSizes.length} sizes; expected [${originalSizes.length}, ${inputSize.join(', ')}]`);
  }
  const resample = (o.space ?? 'probabilities') === 'probabilities' ? 'bicubic-probabilities' : 'bicubic-logits';
  return originalSizes.map((size, i) => torch.scope(() => letterboxResample(logits.select(0, i), inputSize, size, resample)));
}

/**
 * The fork's whole output path from the projector's stride-4 logits [B, 1, h, w]: sigmoid, bicubic
 * (align_corners true) to `inputSize`, inverse letterbox (cubic, border 0) to each original size,
 * > threshold. Bool masks [h_i, w_i].
 */
export function crisForkMasks(stride4Logits: Tensor, inputSize: Size, originalSizes: readonly (readonly [number, number])[], threshold: number): Tensor[] {
  if (!(threshold > 0 && threshold < 1)) throw new RangeError(`crisForkMasks: threshold is a probability in (0, 1), got ${threshold}`);
  if (stride4Logits.ndim !== 4 || stride4Logits.shape[1] !== 1 || stride4Logits.shape[0] !== originalSizes.length) {
    throw new RangeError(`crisForkMasks: expected logits [${originalSizes.length}, 1, h, w], got [${stride4Logits.shape.join(', ')}]`);
  }
  return torch.scope(() => {
    const p = torch.F.interpolate(stride4Logits.float().sigmoid(), { size: [inputSize[0], inputSize[1]], mode: 'bicubic', alignCorners: true });
    return originalSizes.map((size, i) => letterboxInverse(p.narrow(0, i, 1), letterboxTransform(size, inputSize)).view([...size]).gt(threshold));
  });
}
