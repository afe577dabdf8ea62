// The --device and --precision options of the commands that run a model (segment, eval,
// zeroshot, finetune, serve, demo): parsed and checked before any model loads.
import type { Precision } from '../models/precision.js';
import { DEVICE_CHOICES, resolvePlacement, type Placement } from '../models/placement.js';

/** For parseArgs's `options`. */
export const placementOptions = { device: { type: 'string' }, precision: { type: 'string' } } as const;

/** The options' lines in a usage text. */
export const placementUsage = `  --device D            where the model computes: ${DEVICE_CHOICES} (default cpu; auto: CUDA when
                        vlsm's libtorch has it and a GPU is visible; \`vlsm info\` lists devices)
  --precision P         fp32, bf16 (bfloat16 autocast, much faster on CPUs with AVX-512 BF16)
                        or fp16 (float16 autocast, CUDA only); default fp32`;

/** The device and precision the options ask for, checked together (fp16 needs CUDA). */
export function placementFrom(values: { device?: string; precision?: string }, defaults: { precision?: Precision } = {}): Placement {
  return resolvePlacement(values, { device: '--device', precision: '--precision' }, defaults.precision);
}
