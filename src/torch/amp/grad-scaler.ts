// torch.cuda.amp.GradScaler in camelCase: multiplies the loss by a scale so that small float16
// gradients do not flush to zero, unscales the gradients before the optimizer step, skips the step
// when any gradient overflowed to inf/NaN, and adapts the scale (halve on overflow, double after
// `growthInterval` clean steps). PyTorch's algorithm and state-dict layout (torch/cuda/amp/
// grad_scaler.py). libtorch 1.13 has CUDA kernels only for _amp_foreach_non_finite_check_and_unscale_
// and _amp_update_scale_, so the same logic runs here with ordinary operators on any device.
import { VlsmError } from '../../errors.js';
import { noGrad } from '../autograd.js';
import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import type { Optimizer } from '../optim/optimizer.js';

export interface GradScalerOptions {
  initScale?: number;
  growthFactor?: number;
  backoffFactor?: number;
  growthInterval?: number;
  /** false makes every method a pass-through (scale() returns its input, step() just steps). */
  enabled?: boolean;
}

/** PyTorch's GradScaler.state_dict() layout. */
export interface GradScalerStateDict {
  scale: number;
  growth_factor: number;
  backoff_factor: number;
  growth_interval: number;
  _growth_tracker: number;
}

/** Misuse of a GradScaler (the messages follow PyTorch's). */
export class GradScalerError extends VlsmError {}

type Stage = 'ready' | 'unscaled' | 'stepped';

interface PerOptimizer { stage: Stage; foundInf: boolean }

function positive(name: string, value: number, { integer = false, aboveOne = false, belowOne = false } = {}): number {
  const ok = Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value)) && (!aboveOne || value > 1) && (!belowOne || value < 1);
  if (!ok) {
    const what = integer ? 'a positive integer' : aboveOne ? 'a number above 1' : belowOne ? 'a number between 0 and 1' : 'a positive number';
    throw new GradScalerError(`GradScaler: ${name} must be ${what}, got ${value}`);
  }
  return value;
}

export class GradScaler {
  readonly enabled: boolean;
  private scaleValue: number;
  private growthFactor: number;
  private backoffFactor: number;
  private growthInterval: number;
  private growthTracker = 0;
  private readonly perOptimizer = new Map<Optimizer<any>, PerOptimizer>();

  constructor(o: GradScalerOptions = {}) {
    this.enabled = o.enabled ?? true;
    this.scaleValue = positive('initScale', o.initScale ?? 2 ** 16);
    this.growthFactor = positive('growthFactor', o.growthFactor ?? 2, { aboveOne: true });
    this.backoffFactor = positive('backoffFactor', o.backoffFactor ?? 0.5, { belowOne: true });
    this.growthInterval = positive('growthInterval', o.growthInterval ?? 2000, { integer: true });
  }

  /** `outputs` multiplied by the current scale (a tensor, or an array of tensors). */
  scale<T extends Tensor | readonly Tensor[]>(outputs: T): T {
    if (!this.enabled) return outputs;
    if (Array.isArray(outputs)) return outputs.map((t: Tensor) => t.mul(this.scaleValue)) as unknown as T;
    return (outputs as Tensor).mul(this.scaleValue) as T;
  }

  /**
   * Divides the gradients of `optimizer`'s parameters by the scale in place (PyTorch's unscale_),
   * and records whether any is inf or NaN. Call it before clipping gradients; step() calls it
   * when you have not.
   */
  unscale(optimizer: Optimizer<any>): void {
    if (!this.enabled) return;
    const record = this.recordOf(optimizer);
    if (record.stage === 'unscaled') throw new GradScalerError('GradScaler.unscale: unscale() has already been called on this optimizer since the last update().');
    if (record.stage === 'stepped') throw new GradScalerError('GradScaler.unscale: unscale() is being called after step().');
    // PyTorch rounds 1/scale to float32 (the scale is a float32 tensor there).
    const invScale = Math.fround(1 / this.scaleValue);
    record.foundInf = noGrad(() =>
      scope(() => {
        let allFinite: Tensor | undefined;
        for (const group of optimizer.paramGroups) {
          for (const p of group.params) {
            const g = p.grad;
            if (g === undefined) continue;
            if (g.dtype === 'float16' && p.dtype === 'float16') throw new GradScalerError('GradScaler.unscale: attempting to unscale FP16 gradients (keep the parameters in float32 and compute in float16 under autocast).');
            g.mul_(invScale);
            const finite = g.isfinite().all();
            allFinite = allFinite === undefined ? finite : allFinite.logicalAnd(finite);
          }
        }
        return allFinite !== undefined && !allFinite.item();
      }),
    );
    record.stage = 'unscaled';
  }

  /**
   * Unscales the gradients if unscale() was not called, then runs `optimizer.step()` unless a
   * gradient was inf or NaN. Returns whether the step ran.
   */
  step(optimizer: Optimizer<any>): boolean {
    if (!this.enabled) {
      optimizer.step();
      return true;
    }
    const record = this.recordOf(optimizer);
    if (record.stage === 'stepped') throw new GradScalerError('GradScaler.step: step() has already been called since the last update().');
    if (record.stage === 'ready') this.unscale(optimizer);
    const run = !record.foundInf;
    if (run) optimizer.step();
    record.stage = 'stepped';
    return run;
  }

  /**
   * Adapts the scale after an iteration: times backoffFactor if any optimizer stepped over inf
   * gradients, times growthFactor after growthInterval clean iterations in a row. `newScale`
   * sets it outright.
   */
  update(newScale?: number): void {
    if (!this.enabled) return;
    if (newScale !== undefined) {
      this.scaleValue = positive('update(newScale)', newScale);
    } else {
      const records = [...this.perOptimizer.values()];
      if (records.length === 0) throw new GradScalerError('GradScaler.update: no inf checks were recorded prior to update (call step() or unscale() first).');
      if (records.some((r) => r.foundInf)) {
        this.scaleValue = Math.fround(this.scaleValue * this.backoffFactor);
        this.growthTracker = 0;
      } else if (++this.growthTracker === this.growthInterval) {
        this.scaleValue = Math.fround(this.scaleValue * this.growthFactor);
        this.growthTracker = 0;
      }
    }
    this.perOptimizer.clear();
  }

  getScale(): number { return this.enabled ? this.scaleValue : 1; }
  getGrowthFactor(): number { return this.growthFactor; }
  setGrowthFactor(value: number): void { this.growthFactor = positive('growthFactor', value, { aboveOne: true }); }
  getBackoffFactor(): number { return this.backoffFactor; }
  setBackoffFactor(value: number): void { this.backoffFactor = positive('backoffFactor', value, { belowOne: true }); }
  getGrowthInterval(): number { return this.growthInterval; }
  setGrowthInterval(value: number): void { this.growthInterval = positive('growthInterval', value, { integer: true }); }
  isEnabled(): boolean { return this.enabled; }

  /** JSON-able state; PyTorch's field names, so a checkpoint records the same numbers. Empty when disabled. */
  stateDict(): GradScalerStateDict | Record<string, never> {
    if (!this.enabled) return {};
    return {
      scale: this.scaleValue,
      growth_factor: this.growthFactor,
      backoff_factor: this.backoffFactor,
      growth_interval: this.growthInterval,
      _growth_tracker: this.growthTracker,
    };
  }

  loadStateDict(state: GradScalerStateDict | Record<string, never>): void {
    if (!this.enabled) return;
    if (!('scale' in state)) throw new GradScalerError('GradScaler.loadStateDict: the state dict is empty; it was saved by a disabled GradScaler.');
    this.scaleValue = positive('state scale', state.scale);
    this.growthFactor = positive('state growth_factor', state.growth_factor, { aboveOne: true });
    this.backoffFactor = positive('state backoff_factor', state.backoff_factor, { belowOne: true });
    this.growthInterval = positive('state growth_interval', state.growth_interval, { integer: true });
    const tracker = state._growth_tracker;
    if (!Number.isInteger(tracker) || tracker < 0) throw new GradScalerError(`GradScaler.loadStateDict: _growth_tracker must be a non-negative integer, got ${tracker}`);
    this.growthTracker = tracker;
  }

  private recordOf(optimizer: Optimizer<any>): PerOptimizer {
    let record = this.perOptimizer.get(optimizer);
    if (!record) {
      record = { stage: 'ready', foundInf: false };
      this.perOptimizer.set(optimizer, record);
    }
    return record;
  }
}
