// Where a model computes: the --device / `device:` choice resolved against what this libtorch
// build and machine offer, and a model moved there with its compute precision checked and set.
import { ConfigError } from '../errors.js';
import * as torch from '../torch/index.js';
import { autocastOptions, checkPrecision, parsePrecision, type Precision } from './precision.js';
import type { SegmentationModel } from './types.js';

/** What a user may ask for: cpu, cuda, cuda:N, or auto (CUDA when usable, else the CPU). */
export const DEVICE_CHOICES = 'cpu, cuda, cuda:N or auto';

/** Whether this libtorch build has CUDA (its build settings say USE_CUDA=ON). */
export const builtWithCuda = (): boolean => /USE_CUDA=ON/.test(torch.info().buildConfig);

/** Devices this process can compute on: 'cpu', then 'cuda:0', 'cuda:1', … when CUDA is usable. */
export function availableDevices(): string[] {
  const gpus = torch.cuda.isAvailable() ? torch.cuda.deviceCount() : 0;
  return ['cpu', ...Array.from({ length: gpus }, (_, i) => `cuda:${i}`)];
}

function noCuda(where: string, asked: string): ConfigError {
  const why = builtWithCuda()
    ? 'this libtorch has CUDA but no GPU is visible'
    : 'vlsm\'s addon was built against a CPU-only libtorch (`vlsm info` says cuda: not available; README: "Using a CUDA GPU")';
  return new ConfigError(`${where} ${asked}: CUDA is not available: ${why}`, undefined, where);
}

/** The concrete device (`cpu`, `cuda:N`) for a choice; `where` names the option or field in errors. */
export function resolveDevice(choice: string, where: string): torch.Device {
  if (choice === 'cpu') return 'cpu';
  if (choice === 'auto') return torch.cuda.isAvailable() ? 'cuda:0' : 'cpu';
  const m = /^cuda(?::(\d+))?$/.exec(choice);
  if (!m) throw new ConfigError(`${where}: unknown device ${JSON.stringify(choice)}; choose ${DEVICE_CHOICES}`, undefined, where);
  if (!torch.cuda.isAvailable()) throw noCuda(where, choice);
  const index = m[1] === undefined ? 0 : Number(m[1]);
  const count = torch.cuda.deviceCount();
  if (index >= count) throw new ConfigError(`${where} ${choice}: there ${count === 1 ? 'is 1 CUDA device' : `are ${count} CUDA devices`} (cuda:0${count > 1 ? `…cuda:${count - 1}` : ''})`, undefined, where);
  return `cuda:${index}`;
}

export interface Placement {
  device: torch.Device;
  precision: Precision;
}

/**
 * The placement a device choice and a precision ask for, checked together (fp16 needs CUDA);
 * `where` names the option or field of each in errors.
 */
export function resolvePlacement(
  choice: { device?: string; precision?: string },
  where: { device: string; precision: string },
  defaultPrecision: Precision = 'fp32',
): Placement {
  const device = resolveDevice(choice.device ?? 'cpu', where.device);
  const precision = choice.precision === undefined ? defaultPrecision : parsePrecision(choice.precision, where.precision);
  checkPrecision(precision, device, where.precision);
  return { device, precision };
}

/**
 * Moves `model` to `placement.device` and sets the precision it computes in, after checking the
 * pair (fp16 needs CUDA). `where` names the options in errors (e.g. '--precision').
 */
export function placeModel<M extends SegmentationModel>(model: M, placement: Placement, where = 'precision'): M {
  checkPrecision(placement.precision, placement.device, where);
  if (model.device !== placement.device) model.module.to({ device: placement.device });
  model.precision = placement.precision;
  return model;
}

/**
 * placeModel for a model that will only predict (segment, eval, zero-shot, the page): in bf16 or
 * fp16 the weights autocast would cast on every call are cast once, which gives the same outputs
 * with half their memory (torch.castWeightsForAutocast). Never for a model that will train: the
 * float32 weights are gone.
 */
export function placeForInference<M extends SegmentationModel>(model: M, placement: Placement, where = 'precision'): M {
  placeModel(model, placement, where);
  const options = autocastOptions(placement.precision, placement.device);
  if (options) torch.castWeightsForAutocast(model.module, options.dtype);
  return model;
}
