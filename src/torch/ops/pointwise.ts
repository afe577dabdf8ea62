// Elementwise operators with PyTorch's broadcasting and type promotion: arithmetic, comparisons,
// logical ops, unary maths, activations.
import { aten, type Op } from '../dispatch.js';
import type { Tensor } from '../tensor.js';

export type TensorOrScalar = Tensor | number | boolean;

type Binary = {
  (self: Tensor, other: TensorOrScalar, alpha?: number): Tensor;
  inPlace: (self: Tensor, other: TensorOrScalar, alpha?: number) => void;
};

/**
 * Picks the `.Tensor` or `.Scalar` overload by the type of `other`, as Python's binding does.
 * Fixed arity (no rest parameters): this sits on the hottest path of every model.
 */
function binary(name: string, label: string): Binary {
  const withTensor = aten(name, 'Tensor', label);
  const withScalar = aten(name, 'Scalar', label);
  const inPlaceTensor = aten(`${name}_`, 'Tensor', `${label}_`);
  const inPlaceScalar = aten(`${name}_`, 'Scalar', `${label}_`);
  const f = ((self: Tensor, other: TensorOrScalar, alpha?: number): Tensor =>
    typeof other === 'object' ? withTensor(self, other, alpha) : withScalar(self, other, alpha)) as Binary;
  f.inPlace = (self: Tensor, other: TensorOrScalar, alpha?: number): void =>
    typeof other === 'object' ? inPlaceTensor.inPlace(self, other, alpha) : inPlaceScalar.inPlace(self, other, alpha);
  return f;
}

function unary(name: string, label = `torch.${name}`): { (self: Tensor): Tensor; op: Op } {
  const op = aten(name, '', label);
  const f = (self: Tensor): Tensor => op(self);
  f.op = op;
  return f;
}

export const add = binary('add', 'torch.add');
export const sub = binary('sub', 'torch.sub');
export const mul = binary('mul', 'torch.mul');
export const div = binary('div', 'torch.div');
export const remainder = binary('remainder', 'torch.remainder');
export const eq = binary('eq', 'torch.eq');
export const ne = binary('ne', 'torch.ne');
export const lt = binary('lt', 'torch.lt');
export const le = binary('le', 'torch.le');
export const gt = binary('gt', 'torch.gt');
export const ge = binary('ge', 'torch.ge');

const rsubScalar = aten('rsub', 'Scalar', 'torch.rsub');
/** `other - self`. */
export const rsub = (self: Tensor, other: number): Tensor => rsubScalar(self, other);

const divMode = aten('div', 'Tensor_mode', 'torch.div');
const divScalarMode = aten('div', 'Scalar_mode', 'torch.div');
/** Division with rounding: 'trunc' or 'floor' (PyTorch's rounding_mode). */
export const divRounded = (self: Tensor, other: TensorOrScalar, roundingMode: 'trunc' | 'floor'): Tensor =>
  typeof other === 'object' ? divMode(self, other, roundingMode) : divScalarMode(self, other, roundingMode);

const powTensorScalar = aten('pow', 'Tensor_Scalar', 'torch.pow');
const powTensorTensor = aten('pow', 'Tensor_Tensor', 'torch.pow');
const powScalar = aten('pow', 'Scalar', 'torch.pow');
export function pow(self: Tensor | number, exponent: TensorOrScalar): Tensor {
  if (typeof self === 'number') return powScalar(self, exponent);
  return typeof exponent === 'object' ? powTensorTensor(self, exponent) : powTensorScalar(self, exponent);
}

const maximumOp = aten('maximum', '', 'torch.maximum');
const minimumOp = aten('minimum', '', 'torch.minimum');
export const maximum = (a: Tensor, b: Tensor): Tensor => maximumOp(a, b);
export const minimum = (a: Tensor, b: Tensor): Tensor => minimumOp(a, b);

const logicalAndOp = aten('logical_and', '', 'torch.logicalAnd');
const logicalOrOp = aten('logical_or', '', 'torch.logicalOr');
const logicalXorOp = aten('logical_xor', '', 'torch.logicalXor');
const logicalNotOp = aten('logical_not', '', 'torch.logicalNot');
export const logicalAnd = (a: Tensor, b: Tensor): Tensor => logicalAndOp(a, b);
export const logicalOr = (a: Tensor, b: Tensor): Tensor => logicalOrOp(a, b);
export const logicalXor = (a: Tensor, b: Tensor): Tensor => logicalXorOp(a, b);
export const logicalNot = (a: Tensor): Tensor => logicalNotOp(a);

const whereSelf = aten('where', 'self', 'torch.where');
const whereScalarOther = aten('where', 'ScalarOther', 'torch.where');
const whereScalarSelf = aten('where', 'ScalarSelf', 'torch.where');
const whereScalar = aten('where', 'Scalar', 'torch.where');
/** Elements of `self` where `condition` is true, else of `other`. */
export function where(condition: Tensor, self: TensorOrScalar, other: TensorOrScalar): Tensor {
  const selfIsTensor = typeof self === 'object';
  const otherIsTensor = typeof other === 'object';
  if (selfIsTensor && otherIsTensor) return whereSelf(condition, self, other);
  if (selfIsTensor) return whereScalarOther(condition, self, other);
  if (otherIsTensor) return whereScalarSelf(condition, self, other);
  return whereScalar(condition, self, other);
}

const clampScalar = aten('clamp', '', 'torch.clamp');
const clampTensor = aten('clamp', 'Tensor', 'torch.clamp');
const clampScalar_ = aten('clamp_', '', 'torch.clamp_');
/** Clamps into [min, max]; either bound may be omitted (undefined). */
export function clamp(self: Tensor, min?: TensorOrScalar, max?: TensorOrScalar): Tensor {
  if (typeof min === 'object' || typeof max === 'object') return clampTensor(self, min ?? null, max ?? null);
  return clampScalar(self, min ?? null, max ?? null);
}
export const clampInPlace = (self: Tensor, min?: number, max?: number): void => clampScalar_.inPlace(self, min ?? null, max ?? null);

export const neg = unary('neg');
export const abs = unary('abs');
export const sign = unary('sign');
export const exp = unary('exp');
export const expm1 = unary('expm1');
export const log = unary('log');
export const log1p = unary('log1p');
export const log2 = unary('log2');
export const sqrt = unary('sqrt');
export const rsqrt = unary('rsqrt');
export const square = unary('square');
export const reciprocal = unary('reciprocal');
export const sin = unary('sin');
export const cos = unary('cos');
export const tanh = unary('tanh');
export const sigmoid = unary('sigmoid');
export const erf = unary('erf');
export const erfinv = unary('erfinv');
export const floor = unary('floor');
export const ceil = unary('ceil');
export const round = unary('round');
export const trunc = unary('trunc');
export const isnan = unary('isnan');
export const isfinite = unary('isfinite');
export const relu = unary('relu', 'F.relu');
export const silu = unary('silu', 'F.silu');

const geluOp = aten('gelu', '', 'F.gelu');
/** GELU, exact (erf) by default or PyTorch's tanh approximation. */
export const gelu = (self: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => geluOp(self, approximate);

const softmaxOp = aten('softmax', 'int', 'torch.softmax');
const logSoftmaxOp = aten('log_softmax', 'int', 'torch.logSoftmax');
export const softmax = (self: Tensor, dim: number): Tensor => softmaxOp(self, dim);
export const logSoftmax = (self: Tensor, dim: number): Tensor => logSoftmaxOp(self, dim);

const leakyReluOp = aten('leaky_relu', '', 'F.leakyRelu');
export const leakyRelu = (self: Tensor, negativeSlope = 0.01): Tensor => leakyReluOp(self, negativeSlope);
const softplusOp = aten('softplus', '', 'F.softplus');
export const softplus = (self: Tensor, beta = 1, threshold = 20): Tensor => softplusOp(self, beta, threshold);
const logSigmoidOp = aten('log_sigmoid', '', 'F.logSigmoid');
export const logSigmoid = (self: Tensor): Tensor => logSigmoidOp(self);
const hardtanhOp = aten('hardtanh', '', 'F.hardtanh');
export const hardtanh = (self: Tensor, min = -1, max = 1): Tensor => hardtanhOp(self, min, max);

const lerpScalar = aten('lerp', 'Scalar', 'torch.lerp');
const lerpTensor = aten('lerp', 'Tensor', 'torch.lerp');
export const lerp = (self: Tensor, end: Tensor, weight: TensorOrScalar): Tensor =>
  typeof weight === 'object' ? lerpTensor(self, end, weight) : lerpScalar(self, end, weight);

const addcmulOp = aten('addcmul', '', 'torch.addcmul');
const addcdivOp = aten('addcdiv', '', 'torch.addcdiv');
export const addcmul = (self: Tensor, t1: Tensor, t2: Tensor, value = 1): Tensor => addcmulOp(self, t1, t2, value);
export const addcdiv = (self: Tensor, t1: Tensor, t2: Tensor, value = 1): Tensor => addcdivOp(self, t1, t2, value);
