// nn.init: in-place initialisers, ported from torch/nn/init.py (PyTorch 1.13) with the same draws
// in the same order, so that after the same torch.manualSeed a layer starts with PyTorch's values.
// All of them run without recording gradients and return their argument.
import { aten } from '../dispatch.js';
import { noGrad } from '../autograd.js';
import type { Tensor } from '../tensor.js';

const erfinvInPlace = aten('erfinv_', '', 'Tensor.erfinv_');

export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

/** The recommended gain for a nonlinearity (PyTorch's calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': case 'sigmoid':
      return 1;
    case 'tanh': return 5.0 / 3;
    case 'relu': return Math.sqrt(2.0);
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2.0 / (1 + slope ** 2));
    }
    case 'selu': return 3.0 / 4;
    default: throw new RangeError(`nn.init.calculateGain: unsupported nonlinearity '${nonlinearity as string}'`);
  }
}

/** fan_in and fan_out of a weight: dim 1 and dim 0 times the receptive field (dims 2…). */
export function calculateFanInAndFanOut(tensor: Tensor): { fanIn: number; fanOut: number } {
  const shape = tensor.shape;
  if (shape.length < 2) {
    throw new RangeError(`nn.init: fan in and fan out can not be computed for tensor with fewer than 2 dimensions (got shape [${shape.join(', ')}])`);
  }
  const receptiveField = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptiveField, fanOut: shape[0] * receptiveField };
}

export const uniform_ = (tensor: Tensor, a = 0, b = 1): Tensor => noGrad(() => tensor.uniform_(a, b));
export const normal_ = (tensor: Tensor, mean = 0, std = 1): Tensor => noGrad(() => tensor.normal_(mean, std));
export const constant_ = (tensor: Tensor, value: number): Tensor => noGrad(() => tensor.fill_(value));
export const zeros_ = (tensor: Tensor): Tensor => noGrad(() => tensor.zero_());
export const ones_ = (tensor: Tensor): Tensor => noGrad(() => tensor.fill_(1));

export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leaky_relu only); default 0. */
  a?: number;
  mode?: 'fan_in' | 'fan_out';
  nonlinearity?: Nonlinearity;
}

function kaimingStd(tensor: Tensor, o: KaimingOptions): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  const fan = (o.mode ?? 'fan_in') === 'fan_in' ? fanIn : fanOut;
  const gain = calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0);
  return gain / Math.sqrt(fan);
}

/** He uniform: U(-b, b) with b = gain·√(3 / fan). Linear and Conv use it with a = √5. */
export function kaimingUniform_(tensor: Tensor, o: KaimingOptions = {}): Tensor {
  if (tensor.shape.includes(0)) return tensor;
  const bound = Math.sqrt(3.0) * kaimingStd(tensor, o);
  return noGrad(() => tensor.uniform_(-bound, bound));
}

/** He normal: N(0, std²) with std = gain / √fan. */
export function kaimingNormal_(tensor: Tensor, o: KaimingOptions = {}): Tensor {
  if (tensor.shape.includes(0)) return tensor;
  const std = kaimingStd(tensor, o);
  return noGrad(() => tensor.normal_(0, std));
}

/** Glorot uniform: U(-a, a) with a = gain·√(6 / (fan_in + fan_out)). */
export function xavierUniform_(tensor: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  const a = Math.sqrt(3.0) * std;
  return noGrad(() => tensor.uniform_(-a, a));
}

/** Glorot normal: N(0, std²) with std = gain·√(2 / (fan_in + fan_out)). */
export function xavierNormal_(tensor: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  return noGrad(() => tensor.normal_(0, std));
}

const normCdf = (x: number): number => (1 + erf(x / Math.sqrt(2))) / 2;

/**
 * N(mean, std²) truncated to [a, b], by inverse-CDF sampling as PyTorch's trunc_normal_ (used by
 * ViT position embeddings).
 */
export function truncNormal_(tensor: Tensor, o: { mean?: number; std?: number; a?: number; b?: number } = {}): Tensor {
  const { mean = 0, std = 1, a = -2, b = 2 } = o;
  const l = normCdf((a - mean) / std);
  const u = normCdf((b - mean) / std);
  return noGrad(() => {
    tensor.uniform_(2 * l - 1, 2 * u - 1);
    erfinvInPlace.inPlace(tensor);
    tensor.mul_(std * Math.sqrt(2));
    tensor.add_(mean);
    tensor.clamp_(a, b);
    return tensor;
  });
}

/** The error function to about 1e-15: Maclaurin series below 2.5, erfc's continued fraction above. */
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series: erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 80; n++) {
      term *= (-ax * ax) / n;
      const next = term / (2 * n + 1);
      sum += next;
      if (Math.abs(next) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc by continued fraction (Lentz), accurate for x ≥ 2.5.
  let f = ax;
  let c = ax;
  let d = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    d = ax + an * d;
    d = d === 0 ? 1e-300 : 1 / d;
    c = ax + an / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}
