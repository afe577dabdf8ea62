// Compute precision, in one place: which autocast region each precision runs under on each device,
// which combinations libtorch can run, and how a model's inference forward applies it. Training
// (src/train/trainer.ts) and every command use these helpers, so a different way of computing
// in bfloat16 (e.g. weights cast once rather than per call) changes here only.
import { ConfigError } from '../errors.js';
import * as torch from '../torch/index.js';
import type { SegmentationBatch, SegmentationModel } from './types.js';

/** float32; bfloat16 autocast; float16 autocast (+ a GradScaler when training). */
export type Precision = 'fp32' | 'bf16' | 'fp16';
export const PRECISIONS: readonly Precision[] = ['fp32', 'bf16', 'fp16'];

const isPrecision = (value: unknown): value is Precision => typeof value === 'string' && (PRECISIONS as readonly string[]).includes(value);

/** `value` as a Precision; `where` names the option or field in the error. */
export function parsePrecision(value: unknown, where: string): Precision {
  if (isPrecision(value)) return value;
  throw new ConfigError(`${where}: unknown precision ${JSON.stringify(value)}; choose ${PRECISIONS.join(', ')}`, undefined, where);
}

const deviceType = (device: torch.Device): 'cpu' | 'cuda' => (String(device).startsWith('cuda') ? 'cuda' : 'cpu');

/**
 * Throws a ConfigError naming `where` unless libtorch can compute in `precision` on `device`.
 * libtorch 1.13's CPU autocast casts to bfloat16 only, and its CPU kernels have no float16
 * matmul or convolution, so fp16 needs CUDA.
 */
export function checkPrecision(precision: Precision, device: torch.Device, where: string): void {
  if (precision === 'fp16' && deviceType(device) === 'cpu') {
    throw new ConfigError(`${where} fp16 needs a CUDA device, but the device is ${device}: libtorch 1.13 computes float16 only on CUDA; use bf16 on the CPU (or --device cuda)`, undefined, where);
  }
}

/** The autocast region `precision` means on `device`; undefined for fp32. */
export function autocastOptions(precision: Precision, device: torch.Device): torch.AutocastOptions | undefined {
  if (precision === 'fp32') return undefined;
  return { deviceType: deviceType(device), dtype: precision === 'bf16' ? 'bfloat16' : 'float16' };
}

/** Runs `fn` in `precision` on `device` (synchronously: autocast state cannot span an await). */
export function withPrecision<T>(precision: Precision, device: torch.Device, fn: () => T): T {
  const options = autocastOptions(precision, device);
  return options ? torch.autocast(options, fn) : fn();
}

/**
 * The model's logits [B, H, W] for an already placed batch, computed in the model's precision and
 * returned in float32, so thresholds, resampling and metrics see the same dtype at every precision.
 */
export function inferLogits(model: Pick<SegmentationModel, 'forward' | 'device' | 'precision'>, batch: SegmentationBatch): torch.Tensor {
  return forwardInPrecision(model.precision, model.device, () => model.forward(batch));
}

/**
 * `forward()` run in `precision` on `device`, its result cast to float32 (gradients flow back
 * through the cast): losses and metrics are then computed in float32 whatever the precision.
 */
export function forwardInPrecision(precision: Precision, device: torch.Device, forward: () => torch.Tensor): torch.Tensor {
  const out = withPrecision(precision, device, forward);
  if (out.dtype === 'float32') return out;
  const float = out.float();
  out.dispose();
  return float;
}

/**
 * The precision a run computes in: an explicit choice (`--precision`, a config's `precision:`) is
 * obeyed or refused (checkPrecision); otherwise the recipe's, except that a recipe's fp16 (the
 * reference's CUDA mixed precision) becomes fp32 on the CPU, with a `note` saying so.
 */
export function choosePrecision(o: { explicit?: Precision; where: string; recipe: Precision; device: torch.Device }): { precision: Precision; note?: string } {
  if (o.explicit !== undefined) {
    checkPrecision(o.explicit, o.device, o.where);
    return { precision: o.explicit };
  }
  if (o.recipe === 'fp16' && deviceType(o.device) === 'cpu') {
    return { precision: 'fp32', note: `the recipe trains in fp16 on CUDA (the reference's mixed precision); on ${o.device} this run computes in fp32 (set precision: bf16 for mixed precision on the CPU)` };
  }
  return { precision: o.recipe };
}
