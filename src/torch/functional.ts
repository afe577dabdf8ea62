// torch.nn.functional: stateless layers, losses, resampling and attention, with PyTorch's
// argument conventions. Modules in nn/ own parameters and call these.
import { isGradEnabled } from './autograd.js';
import { aten } from './dispatch.js';
import { isAutocastEnabled } from './amp/autocast.js';
import { empty, ones } from './ops/creation.js';
import type { Tensor } from './tensor.js';

export {
  relu, gelu, silu, sigmoid, tanh, softmax, logSoftmax, leakyRelu, softplus, logSigmoid, hardtanh,
} from './ops/pointwise.js';
export { pad } from './ops/shape.js';

const linearOp = aten('linear', '', 'F.linear');
const conv1dOp = aten('conv1d', '', 'F.conv1d');
const conv2dOp = aten('conv2d', '', 'F.conv2d');
const convTranspose1dOp = aten('conv_transpose1d', '', 'F.convTranspose1d');
const convTranspose2dOp = aten('conv_transpose2d', 'input', 'F.convTranspose2d');
const layerNormOp = aten('layer_norm', '', 'F.layerNorm');
const softmaxOutOp = aten('softmax', 'int_out', 'F.scaledDotProductAttention');
const batchNormOp = aten('batch_norm', '', 'F.batchNorm');
const groupNormOp = aten('group_norm', '', 'F.groupNorm');
const dropoutOp = aten('dropout', '', 'F.dropout');
const embeddingOp = aten('embedding', '', 'F.embedding');
const avgPool2dOp = aten('avg_pool2d', '', 'F.avgPool2d');
const maxPool2dOp = aten('max_pool2d', '', 'F.maxPool2d');
const adaptiveAvgPool2dOp = aten('adaptive_avg_pool2d', '', 'F.adaptiveAvgPool2d');
const bceWithLogitsOp = aten('binary_cross_entropy_with_logits', '', 'F.binaryCrossEntropyWithLogits');
const bceOp = aten('binary_cross_entropy', '', 'F.binaryCrossEntropy');
const mseLossOp = aten('mse_loss', '', 'F.mseLoss');
const l1LossOp = aten('l1_loss', '', 'F.l1Loss');
const crossEntropyOp = aten('cross_entropy_loss', '', 'F.crossEntropy');
const oneHotOp = aten('one_hot', '', 'F.oneHot');
const cosineSimilarityOp = aten('cosine_similarity', '', 'F.cosineSimilarity');
const upsampleNearest1d = aten('upsample_nearest1d', 'vec', 'F.interpolate');
const upsampleNearest2d = aten('upsample_nearest2d', 'vec', 'F.interpolate');
const upsampleNearestExact2d = aten('_upsample_nearest_exact2d', 'vec', 'F.interpolate');
const upsampleLinear1d = aten('upsample_linear1d', 'vec', 'F.interpolate');
const upsampleBilinear2d = aten('upsample_bilinear2d', 'vec', 'F.interpolate');
const upsampleBicubic2d = aten('upsample_bicubic2d', 'vec', 'F.interpolate');
const upsampleBilinear2dAa = aten('_upsample_bilinear2d_aa', 'vec', 'F.interpolate');
const upsampleBicubic2dAa = aten('_upsample_bicubic2d_aa', 'vec', 'F.interpolate');
const adaptiveAvgPool1dOp = aten('adaptive_avg_pool1d', '', 'F.interpolate');

type Pair = number | readonly [number, number];
const pair = (v: Pair): number[] => (typeof v === 'number' ? [v, v] : [...v]);

/** y = x Wᵀ + b; weight [out, in]. */
export const linear = (input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor => linearOp(input, weight, bias ?? null);

export interface ConvOptions { stride?: Pair; padding?: Pair | 'same' | 'valid'; dilation?: Pair; groups?: number }

function convPadding(padding: ConvOptions['padding'], dims: number): number[] | string {
  if (padding === undefined) return new Array(dims).fill(0);
  if (padding === 'same' || padding === 'valid') return padding;
  return typeof padding === 'number' ? new Array(dims).fill(padding) : [...padding];
}

const conv2dPadding = aten('conv2d', 'padding', 'F.conv2d');
const conv1dPadding = aten('conv1d', 'padding', 'F.conv1d');

/** 1-D convolution; input [N, C, L], weight [out, in/groups, k]. */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvOptions = {}): Tensor {
  const padding = convPadding(o.padding, 1);
  const args = [input, weight, bias ?? null, [o.stride ?? 1].flat(), padding, [o.dilation ?? 1].flat(), o.groups ?? 1];
  return typeof padding === 'string' ? conv1dPadding(...args) : conv1dOp(...args);
}

/** 2-D convolution; input [N, C, H, W], weight [out, in/groups, kh, kw]. */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvOptions = {}): Tensor {
  const padding = convPadding(o.padding, 2);
  const args = [input, weight, bias ?? null, pair(o.stride ?? 1), padding, pair(o.dilation ?? 1), o.groups ?? 1];
  return typeof padding === 'string' ? conv2dPadding(...args) : conv2dOp(...args);
}

export interface ConvTransposeOptions { stride?: Pair; padding?: Pair; outputPadding?: Pair; groups?: number; dilation?: Pair }

/** Transposed 2-D convolution; weight [in, out/groups, kh, kw]. */
export function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvTransposeOptions = {}): Tensor {
  const call = (x: Tensor, w: Tensor, b: Tensor | null): Tensor =>
    convTranspose2dOp(x, w, b, pair(o.stride ?? 1), pair(o.padding ?? 0), pair(o.outputPadding ?? 0), o.groups ?? 1, pair(o.dilation ?? 1));
  // libtorch 1.13's CPU bfloat16 transposed convolution (its oneDNN path) misreads the weight as a
  // plain convolution's and fails ("expected input … to have 3 channels"); PyTorch 1.13 fails the
  // same way. It runs in float32 here and rounds back; autocast computes it in float32 by itself.
  if (input.dtype === 'bfloat16' && weight.dtype === 'bfloat16' && input.device === 'cpu' && (bias == null || bias.dtype === 'bfloat16') && !isAutocastEnabled('cpu')) {
    const [x, w, b] = [input.float(), weight.float(), bias?.float() ?? null];
    const wide = call(x, w, b);
    const out = wide.to('bfloat16');
    for (const t of [x, w, b, wide]) t?.dispose();
    return out;
  }
  return call(input, weight, bias ?? null);
}

export const convTranspose1d = (input: Tensor, weight: Tensor, bias?: Tensor | null, o: { stride?: number; padding?: number; outputPadding?: number; groups?: number; dilation?: number } = {}): Tensor =>
  convTranspose1dOp(input, weight, bias ?? null, [o.stride ?? 1], [o.padding ?? 0], [o.outputPadding ?? 0], o.groups ?? 1, [o.dilation ?? 1]);

/**
 * Under autocast, a low-precision input meeting float32 affine parameters (a bfloat16 residual
 * stream, as CLIPSeg's and CRIS's decoders make one) is normalised in float32, as PyTorch 2's
 * autocast does; PyTorch 1.13 fails there ("expected scalar type BFloat16 but found Float").
 */
function normInput(input: Tensor, weight: Tensor | null | undefined): Tensor | undefined {
  if (!weight || weight.dtype !== 'float32' || (input.dtype !== 'bfloat16' && input.dtype !== 'float16')) return undefined;
  return isAutocastEnabled(input.device === 'cpu' ? 'cpu' : 'cuda') ? input.float() : undefined;
}

/** Normalises over the trailing `normalizedShape` dims with biased variance. */
export function layerNorm(input: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const wide = normInput(input, weight);
  const out = layerNormOp(wide ?? input, normalizedShape, weight ?? null, bias ?? null, eps, true);
  wide?.dispose();
  return out;
}

export interface BatchNormOptions { training?: boolean; momentum?: number; eps?: number }

/**
 * Batch normalisation over dim 1. In training, batch statistics are used and the running ones
 * (when given) are updated in place with `momentum`; in eval, the running statistics are used.
 */
export const batchNorm = (input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight?: Tensor | null, bias?: Tensor | null, o: BatchNormOptions = {}): Tensor =>
  batchNormOp(input, weight ?? null, bias ?? null, runningMean, runningVar, o.training ?? false, o.momentum ?? 0.1, o.eps ?? 1e-5, true);

export function groupNorm(input: Tensor, numGroups: number, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const wide = normInput(input, weight);
  const out = groupNormOp(wide ?? input, numGroups, weight ?? null, bias ?? null, eps, true);
  wide?.dispose();
  return out;
}

/** Zeroes elements with probability p and scales the rest by 1/(1-p), in training only. */
export function dropout(input: Tensor, p = 0.5, training = true): Tensor {
  if (p < 0 || p > 1) throw new RangeError(`F.dropout: probability has to be between 0 and 1, but got ${p}`);
  return dropoutOp(input, p, training);
}

/** Rows of `weight` at `indices`; `paddingIdx` rows get no gradient. */
export const embedding = (indices: Tensor, weight: Tensor, paddingIdx?: number): Tensor => embeddingOp(weight, indices, paddingIdx ?? -1, false, false);

export interface PoolOptions { stride?: Pair; padding?: Pair; ceilMode?: boolean }
export const avgPool2d = (input: Tensor, kernelSize: Pair, o: PoolOptions & { countIncludePad?: boolean; divisorOverride?: number } = {}): Tensor =>
  avgPool2dOp(input, pair(kernelSize), o.stride === undefined ? [] : pair(o.stride), pair(o.padding ?? 0), o.ceilMode ?? false, o.countIncludePad ?? true, o.divisorOverride ?? null);
export const maxPool2d = (input: Tensor, kernelSize: Pair, o: PoolOptions & { dilation?: Pair } = {}): Tensor =>
  maxPool2dOp(input, pair(kernelSize), o.stride === undefined ? [] : pair(o.stride), pair(o.padding ?? 0), pair(o.dilation ?? 1), o.ceilMode ?? false);
export const adaptiveAvgPool2d = (input: Tensor, outputSize: Pair): Tensor => adaptiveAvgPool2dOp(input, pair(outputSize));

export type Reduction = 'none' | 'mean' | 'sum';
const reductionCode = (r: Reduction = 'mean'): number => {
  const code = { none: 0, mean: 1, sum: 2 }[r];
  if (code === undefined) throw new TypeError(`reduction must be 'none', 'mean' or 'sum', got '${r}'`);
  return code;
};

function checkSameShape(name: string, input: Tensor, target: Tensor): void {
  const a = input.shape;
  const b = target.shape;
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new RangeError(`${name}: target size [${b.join(', ')}] must be the same as input size [${a.join(', ')}]`);
  }
}

/** Sigmoid + binary cross-entropy in one numerically stable op. */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, o: { weight?: Tensor; posWeight?: Tensor; reduction?: Reduction } = {}): Tensor {
  checkSameShape('F.binaryCrossEntropyWithLogits', input, target);
  return bceWithLogitsOp(input, target, o.weight ?? null, o.posWeight ?? null, reductionCode(o.reduction));
}
export function binaryCrossEntropy(input: Tensor, target: Tensor, o: { weight?: Tensor; reduction?: Reduction } = {}): Tensor {
  checkSameShape('F.binaryCrossEntropy', input, target);
  return bceOp(input, target, o.weight ?? null, reductionCode(o.reduction));
}
export function mseLoss(input: Tensor, target: Tensor, o: { reduction?: Reduction } = {}): Tensor {
  checkSameShape('F.mseLoss', input, target);
  return mseLossOp(input, target, reductionCode(o.reduction));
}
export const l1Loss = (input: Tensor, target: Tensor, o: { reduction?: Reduction } = {}): Tensor => l1LossOp(input, target, reductionCode(o.reduction));
/** Cross-entropy over class logits (dim 1) with integer targets or class probabilities. */
export const crossEntropy = (input: Tensor, target: Tensor, o: { weight?: Tensor; reduction?: Reduction; ignoreIndex?: number; labelSmoothing?: number } = {}): Tensor =>
  crossEntropyOp(input, target, o.weight ?? null, reductionCode(o.reduction), o.ignoreIndex ?? -100, o.labelSmoothing ?? 0);
export const oneHot = (indices: Tensor, numClasses = -1): Tensor => oneHotOp(indices, numClasses);
export const cosineSimilarity = (x1: Tensor, x2: Tensor, dim = 1, eps = 1e-8): Tensor => cosineSimilarityOp(x1, x2, dim, eps);

/** x / max(‖x‖_p, eps) along `dim`, as F.normalize. */
export function normalize(input: Tensor, o: { p?: number; dim?: number; eps?: number } = {}): Tensor {
  const norm = input.norm(o.p ?? 2, o.dim ?? 1, { keepdim: true });
  const denominator = norm.clamp(o.eps ?? 1e-12).expandAs(input);
  const out = input.div(denominator);
  norm.dispose();
  denominator.dispose();
  return out;
}

export type InterpolateMode = 'nearest' | 'nearest-exact' | 'linear' | 'bilinear' | 'bicubic' | 'area';
export interface InterpolateOptions {
  size?: number | readonly number[];
  scaleFactor?: number | readonly number[];
  mode?: InterpolateMode;
  alignCorners?: boolean;
  recomputeScaleFactor?: boolean;
  antialias?: boolean;
}

/**
 * Resamples [N, C, L] or [N, C, H, W] input to `size` or by `scaleFactor`, with PyTorch's exact
 * coordinate conventions (bicubic uses A = -0.75; align_corners as given, default false).
 */
export function interpolate(input: Tensor, o: InterpolateOptions): Tensor {
  const mode = o.mode ?? 'nearest';
  const spatial = input.ndim - 2;
  if (spatial < 1 || spatial > 2) throw new RangeError(`F.interpolate: expected 3-d or 4-d input, got ${input.ndim}-d [${input.shape.join(', ')}]`);
  if ((o.size === undefined) === (o.scaleFactor === undefined)) throw new TypeError('F.interpolate: give exactly one of size and scaleFactor');
  const linearModes = ['linear', 'bilinear', 'bicubic'];
  if (o.alignCorners !== undefined && !linearModes.includes(mode)) {
    throw new TypeError(`F.interpolate: alignCorners only applies to linear, bilinear and bicubic modes, not '${mode}'`);
  }
  const alignCorners = o.alignCorners ?? false;
  const inputSize = input.shape.slice(2);
  let outputSize: number[] | null = null;
  let scales: number[] | null = null;
  if (o.size !== undefined) {
    outputSize = typeof o.size === 'number' ? new Array(spatial).fill(o.size) : [...o.size];
    if (outputSize.length !== spatial) throw new RangeError(`F.interpolate: size has ${outputSize.length} entries, input has ${spatial} spatial dims`);
  } else {
    const factors = typeof o.scaleFactor === 'number' ? new Array(spatial).fill(o.scaleFactor) : [...o.scaleFactor!];
    if (o.recomputeScaleFactor) outputSize = inputSize.map((s, i) => Math.floor(s * factors[i]));
    else scales = factors;
  }
  if (mode === 'area') {
    const size = outputSize ?? inputSize.map((s, i) => Math.floor(s * scales![i]));
    return spatial === 1 ? adaptiveAvgPool1dOp(input, size) : adaptiveAvgPool2dOp(input, size);
  }
  if (o.antialias && !(spatial === 2 && (mode === 'bilinear' || mode === 'bicubic'))) {
    throw new TypeError(`F.interpolate: antialias is only implemented for bilinear and bicubic 2-d resizing, not '${mode}'`);
  }
  const key = `${mode}:${spatial}`;
  switch (key) {
    case 'nearest:1': return upsampleNearest1d(input, outputSize, scales);
    case 'nearest:2': return upsampleNearest2d(input, outputSize, scales);
    case 'nearest-exact:2': return upsampleNearestExact2d(input, outputSize, scales);
    case 'linear:1': return upsampleLinear1d(input, outputSize, alignCorners, scales);
    case 'bilinear:2': return (o.antialias ? upsampleBilinear2dAa : upsampleBilinear2d)(input, outputSize, alignCorners, scales);
    case 'bicubic:2': return (o.antialias ? upsampleBicubic2dAa : upsampleBicubic2d)(input, outputSize, alignCorners, scales);
    default: throw new TypeError(`F.interpolate: mode '${mode}' does not apply to ${spatial}-d spatial input [${input.shape.join(', ')}]`);
  }
}

/**
 * x · sigmoid(1.702 x), OpenAI CLIP's GELU approximation (QuickGELU; not in torch.nn.functional).
 * Without gradients the sigmoid and the product are written in place into one buffer, so a
 * transformer MLP's widest activation is allocated twice instead of four times; same values.
 */
export function quickGelu(input: Tensor): Tensor {
  const gate = input.mul(1.702);
  if (isGradEnabled()) {
    const sigmoid = gate.sigmoid();
    gate.dispose();
    const out = input.mul(sigmoid);
    sigmoid.dispose();
    return out;
  }
  return gate.sigmoid_().mul_(input);
}

/**
 * softmax(q kᵀ · scale + mask) v, composed from primitives (libtorch 1.13's CPU kernel,
 * _scaled_dot_product_attention, is the same composition), with PyTorch 2's
 * `F.scaled_dot_product_attention` conventions: a bool `attnMask` is true where a query may
 * attend, a float mask is added to the scores; `isCausal` hides future keys. Without gradients
 * the mask and the softmax are applied in place: the scores, the largest tensor of a transformer
 * layer ([B, H, L, L]), are allocated once instead of three times, with the same values.
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, o: AttentionOptions = {}): Tensor {
  const scale = o.scale ?? 1 / Math.sqrt(query.size(-1));
  // In place only where autograd records nothing: it needs the tensors an in-place op overwrites.
  const inPlace = !isGradEnabled();
  if (inPlace && query.ndim === 4 && query.size(0) > 1 && scoresBytes(query, key) > byBatchAboveBytes) return attentionByBatch(query, key, value, o);
  const q = query.mul(scale);
  const kt = key.transpose(-2, -1);
  let scores = q.matmul(kt);
  q.dispose();
  kt.dispose();
  if (o.isCausal) {
    const allowed = ones([query.size(-2), key.size(-2)], { dtype: 'bool', device: query.device });
    const future = allowed.triu(1);
    scores = replace(scores, scores.maskedFill(future, -Infinity));
    allowed.dispose();
    future.dispose();
  }
  if (o.attnMask) {
    if (o.attnMask.dtype === 'bool') {
      const hidden = o.attnMask.logicalNot();
      scores = replace(scores, scores.maskedFill(hidden, -Infinity));
      hidden.dispose();
    } else if (inPlace && o.attnMask.dtype === scores.dtype) {
      scores.add_(o.attnMask);
    } else {
      scores = replace(scores, scores.add(o.attnMask));
    }
  }
  let weights: Tensor;
  if (inPlace) {
    softmaxOutOp.inPlace(scores, -1, null, scores);
    weights = scores;
  } else {
    weights = scores.softmax(-1);
    scores.dispose();
  }
  if (o.dropoutP && o.training) weights = replace(weights, dropout(weights, o.dropoutP, true));
  const out = weights.matmul(value);
  weights.dispose();
  return out;
}

interface AttentionOptions { attnMask?: Tensor; dropoutP?: number; training?: boolean; isCausal?: boolean; scale?: number }

/** Scores larger than this are computed one batch element at a time when nothing needs gradients. */
const byBatchAboveBytes = 16 * 2 ** 20;

function scoresBytes(query: Tensor, key: Tensor): number {
  const lowPrecision = query.dtype === 'bfloat16' || query.dtype === 'float16' || isAutocastEnabled('cpu');
  return query.size(0) * query.size(1) * query.size(2) * key.size(2) * (lowPrecision ? 2 : 4);
}

/**
 * Attention over [B, H, L, d] one batch element at a time, each written into the output as it is
 * done: only one element's scores ([H, L, S]) exist at once instead of the batch's (a ViT-B/16
 * layer at batch 8 and 352²: 11 MB instead of 90 MB), with the same values.
 */
function attentionByBatch(query: Tensor, key: Tensor, value: Tensor, o: AttentionOptions): Tensor {
  const batch = query.size(0);
  const mask = o.attnMask;
  // A 4-d mask has a batch dimension (1 or B); one of lower rank broadcasts over the batch as it is.
  const maskFor = (b: number): Tensor | undefined => (mask && mask.ndim === 4 ? mask.select(0, mask.size(0) === 1 ? 0 : b) : mask);
  let out: Tensor | undefined;
  for (let b = 0; b < batch; b++) {
    const parts = [query.select(0, b), key.select(0, b), value.select(0, b), maskFor(b)];
    const attended = scaledDotProductAttention(parts[0]!, parts[1]!, parts[2]!, { ...o, attnMask: parts[3] });
    out ??= empty([batch, ...attended.shape], { dtype: attended.dtype, device: attended.device });
    const row = out!.select(0, b);
    row.copy_(attended);
    for (const t of [...parts, attended, row]) if (t !== mask) t?.dispose();
  }
  return out!;
}

function replace(old: Tensor, next: Tensor): Tensor {
  old.dispose();
  return next;
}
