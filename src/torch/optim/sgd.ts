// Stochastic gradient descent with momentum, dampening, Nesterov momentum, L2 weight decay and
// maximize: PyTorch 1.13's _single_tensor_sgd, computed with the _foreach_ ops (one native call
// per operation for the whole group; the same per-tensor kernels on the CPU, so the same bits).
import { aten } from '../dispatch.js';
import { isTensor, type Tensor } from '../tensor.js';
import { OptimError, Optimizer, type ParamGroup, type Params } from './optimizer.js';

const foreachNeg = aten('_foreach_neg', '', 'SGD.step');
const foreachAdd = aten('_foreach_add', 'List', 'SGD.step');
const foreachAddInPlace = aten('_foreach_add_', 'List', 'SGD.step');
const foreachMulInPlace = aten('_foreach_mul_', 'Scalar', 'SGD.step');

export interface SGDHyper {
  /** Learning rate (required). */
  lr: number;
  /** Momentum factor. Default 0. */
  momentum: number;
  /** Dampening for momentum. Default 0. */
  dampening: number;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). Default false. */
  nesterov: boolean;
  /** Ascend the objective instead. Default false. */
  maximize: boolean;
}

/**
 * SGD, as torch.optim.SGD. State per parameter: `momentum_buffer` (null without momentum).
 *
 * @example
 * const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class SGD extends Optimizer<SGDHyper> {
  constructor(params: Params<SGDHyper>, options: Partial<SGDHyper> & { lr: number }) {
    if (options?.lr === undefined) throw new OptimError('SGD: lr is required');
    super(params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...options });
  }

  protected override validate(h: SGDHyper): void {
    if (!(h.lr >= 0)) throw new OptimError(`Invalid learning rate: ${h.lr}`);
    if (!(h.momentum >= 0)) throw new OptimError(`Invalid momentum value: ${h.momentum}`);
    if (!(h.weightDecay >= 0)) throw new OptimError(`Invalid weight_decay value: ${h.weightDecay}`);
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) throw new OptimError('Nesterov momentum requires a momentum and zero dampening');
  }

  protected override updateGroup(group: ParamGroup<SGDHyper>): void {
    const { params, grads } = this.withGrads(group);
    if (params.length === 0) return;
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    let steps: Tensor[] = maximize ? foreachNeg(grads) : grads;
    if (weightDecay !== 0) steps = foreachAdd(steps, params, weightDecay);
    if (momentum !== 0) {
      const buffers: Tensor[] = [];
      const existing: Tensor[] = [];
      const existingSteps: Tensor[] = [];
      params.forEach((p, i) => {
        const state = this.stateOf(p);
        const buf = state.momentum_buffer;
        if (isTensor(buf)) {
          existing.push(buf);
          existingSteps.push(steps[i]);
          buffers.push(buf);
        } else {
          const fresh = steps[i].clone().keep();
          state.momentum_buffer = fresh;
          buffers.push(fresh);
        }
      });
      if (existing.length > 0) {
        foreachMulInPlace.inPlace(existing, momentum);
        foreachAddInPlace.inPlace(existing, existingSteps, 1 - dampening);
      }
      steps = nesterov ? foreachAdd(steps, buffers, momentum) : buffers;
    } else {
      for (const p of params) this.stateOf(p).momentum_buffer = null;
    }
    foreachAddInPlace.inPlace(params, steps, -lr);
  }
}
