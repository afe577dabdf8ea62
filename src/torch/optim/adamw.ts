// AdamW: Adam with decoupled weight decay (param *= 1 - lr·weightDecay before the Adam update),
// PyTorch 1.13's _single_tensor_adamw. The update itself is Adam's (adam.ts).
import { Optimizer, type ParamGroup, type Params } from './optimizer.js';
import { adamUpdate, validateAdam, type AdamHyper } from './adam.js';

/**
 * AdamW, as torch.optim.AdamW: the same options as Adam, with weightDecay defaulting to 1e-2 and
 * applied to the parameters rather than the gradient.
 *
 * @example
 * const opt = new optim.AdamW(model.parameters(), { lr: 1e-4, weightDecay: 0.05 });
 */
export class AdamW extends Optimizer<AdamHyper> {
  constructor(params: Params<AdamHyper>, options: Partial<AdamHyper> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false, ...options });
  }

  protected override validate(h: AdamHyper): void {
    validateAdam(h);
  }

  protected override updateGroup(group: ParamGroup<AdamHyper>): void {
    const { params, grads } = this.withGrads(group);
    adamUpdate(group, params, grads, (p) => this.stateOf(p), true);
  }
}
