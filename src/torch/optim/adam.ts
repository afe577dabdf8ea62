// Adam with L2 weight decay and AMSGrad: PyTorch 1.13's _single_tensor_adam, computed with the
// _foreach_ ops (one native call per operation for the whole group; on the CPU these run the same
// per-tensor kernels, so the bits equal PyTorch's). AdamW shares the update (adamw.ts).
import { aten } from '../dispatch.js';
import { zerosLike } from '../ops/creation.js';
import { isTensor, type Tensor } from '../tensor.js';
import { pow } from './libm.js';
import { OptimError, Optimizer, type ParamGroup, type ParamState, type Params } from './optimizer.js';

const foreachNeg = aten('_foreach_neg', '', 'Adam.step');
const foreachAdd = aten('_foreach_add', 'List', 'Adam.step');
const foreachAddInPlace = aten('_foreach_add_', 'List', 'Adam.step');
const foreachAddScalarInPlace = aten('_foreach_add_', 'Scalar', 'Adam.step');
const foreachMulInPlace = aten('_foreach_mul_', 'Scalar', 'Adam.step');
const foreachAddcmulInPlace = aten('_foreach_addcmul_', 'Scalar', 'Adam.step');
const foreachAddcdivInPlace = aten('_foreach_addcdiv_', 'ScalarList', 'Adam.step');
const foreachDivInPlace = aten('_foreach_div_', 'ScalarList', 'Adam.step');
const foreachMaximumInPlace = aten('_foreach_maximum_', 'List', 'Adam.step');
const foreachSqrt = aten('_foreach_sqrt', '', 'Adam.step');

export interface AdamHyper {
  /** Learning rate. Default 1e-3. */
  lr: number;
  /** Decay rates of the running averages of the gradient and its square. Default [0.9, 0.999]. */
  betas: [number, number];
  /** Added to the denominator. Default 1e-8. */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 1e-2). */
  weightDecay: number;
  /** Use AMSGrad's running maximum of the second moment. Default false. */
  amsgrad: boolean;
  /** Ascend the objective instead. Default false. */
  maximize: boolean;
}

/** PyTorch's checks for Adam and AdamW, with its messages. */
export function validateAdam(h: AdamHyper): void {
  if (!(h.lr >= 0)) throw new OptimError(`Invalid learning rate: ${h.lr}`);
  if (!(h.eps >= 0)) throw new OptimError(`Invalid epsilon value: ${h.eps}`);
  if (!Array.isArray(h.betas) || h.betas.length !== 2) throw new OptimError(`Invalid betas: expected two numbers, got ${JSON.stringify(h.betas)}`);
  if (!(h.betas[0] >= 0 && h.betas[0] < 1)) throw new OptimError(`Invalid beta parameter at index 0: ${h.betas[0]}`);
  if (!(h.betas[1] >= 0 && h.betas[1] < 1)) throw new OptimError(`Invalid beta parameter at index 1: ${h.betas[1]}`);
  if (!(h.weightDecay >= 0)) throw new OptimError(`Invalid weight_decay value: ${h.weightDecay}`);
}

/**
 * One Adam (`decoupled` false) or AdamW (`decoupled` true) update of a group's parameters that
 * have gradients, creating their state (`step`, `exp_avg`, `exp_avg_sq`, `max_exp_avg_sq`) on first use.
 */
export function adamUpdate(group: ParamGroup<AdamHyper>, params: Tensor[], grads: Tensor[], stateOf: (p: Tensor) => ParamState, decoupled: boolean): void {
  if (params.length === 0) return;
  const { lr, betas: [beta1, beta2], eps, weightDecay, amsgrad, maximize } = group;
  const expAvgs: Tensor[] = [];
  const expAvgSqs: Tensor[] = [];
  const maxExpAvgSqs: Tensor[] = [];
  const steps: number[] = [];
  for (const p of params) {
    const state = stateOf(p);
    if (state.step === undefined) {
      state.step = 0;
      state.exp_avg = zerosLike(p).keep();
      state.exp_avg_sq = zerosLike(p).keep();
    }
    if (amsgrad && !isTensor(state.max_exp_avg_sq)) state.max_exp_avg_sq = zerosLike(p).keep();
    state.step = (state.step as number) + 1;
    steps.push(state.step);
    expAvgs.push(state.exp_avg as Tensor);
    expAvgSqs.push(state.exp_avg_sq as Tensor);
    if (amsgrad) maxExpAvgSqs.push(state.max_exp_avg_sq as Tensor);
  }

  let g: Tensor[] = maximize ? foreachNeg(grads) : grads;
  if (decoupled) {
    foreachMulInPlace.inPlace(params, 1 - lr * weightDecay);
  } else if (weightDecay !== 0) {
    g = foreachAdd(g, params, weightDecay);
  }
  foreachMulInPlace.inPlace(expAvgs, beta1);
  foreachAddInPlace.inPlace(expAvgs, g, 1 - beta1);
  foreachMulInPlace.inPlace(expAvgSqs, beta2);
  foreachAddcmulInPlace.inPlace(expAvgSqs, g, g, 1 - beta2);

  // Bias corrections in double precision, with C's pow as Python's `beta ** step`.
  const corrections = new Map<number, { stepSize: number; bc2Sqrt: number }>();
  const correction = (step: number): { stepSize: number; bc2Sqrt: number } => {
    let c = corrections.get(step);
    if (!c) {
      const bc1 = 1 - pow(beta1, step);
      const bc2 = 1 - pow(beta2, step);
      corrections.set(step, (c = { stepSize: lr / bc1, bc2Sqrt: Math.sqrt(bc2) }));
    }
    return c;
  };
  const perParam = steps.map(correction);
  if (amsgrad) foreachMaximumInPlace.inPlace(maxExpAvgSqs, expAvgSqs);
  const denom: Tensor[] = foreachSqrt(amsgrad ? maxExpAvgSqs : expAvgSqs);
  foreachDivInPlace.inPlace(denom, perParam.map((c) => c.bc2Sqrt));
  foreachAddScalarInPlace.inPlace(denom, eps);
  foreachAddcdivInPlace.inPlace(params, expAvgs, denom, perParam.map((c) => -c.stepSize));
}

/**
 * Adam, as torch.optim.Adam (weight decay as an L2 penalty on the gradient).
 *
 * @example
 * const opt = new optim.Adam([{ params: decoder, lr: 1e-3 }, { params: head, weightDecay: 1e-4 }]);
 */
export class Adam extends Optimizer<AdamHyper> {
  constructor(params: Params<AdamHyper>, options: Partial<AdamHyper> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, ...options });
  }

  protected override validate(h: AdamHyper): void {
    validateAdam(h);
  }

  protected override updateGroup(group: ParamGroup<AdamHyper>): void {
    const { params, grads } = this.withGrads(group);
    adamUpdate(group, params, grads, (p) => this.stateOf(p), false);
  }
}
