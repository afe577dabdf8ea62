// torch.autocast: runs a function with libtorch's Autocast dispatch keys on, so every operator
// vlsm calls through the dispatcher is cast by libtorch's own autocast kernels (matmul, linear and
// convolutions in the low-precision dtype; reductions, norms, softmax and losses in float32),
// exactly as PyTorch 1.13's torch.autocast does.
//
// Synchronous only: autocast state is thread-local in libtorch and Node runs every task on one
// thread, so a region held open across an `await` would also cast whatever other task ran in the
// meantime. A function that returns a Promise is refused (after the state is restored).
import { native } from '../native.js';
import { dtypeCode, dtypeFromCode, type DType } from '../dtype.js';

export type AutocastDeviceType = 'cpu' | 'cuda';
export type AutocastDType = 'bfloat16' | 'float16';

export interface AutocastOptions {
  deviceType: AutocastDeviceType;
  /** Low-precision dtype; PyTorch's defaults: bfloat16 on 'cpu', float16 on 'cuda'. */
  dtype?: AutocastDType;
  /** false runs `fn` with autocast off for this device (a nested opt-out region). Default true. */
  enabled?: boolean;
  /** Keep casts of weights (leaf tensors that require grad) for the whole outermost region. Default true. */
  cacheEnabled?: boolean;
}

const defaultDtype: Record<AutocastDeviceType, AutocastDType> = { cpu: 'bfloat16', cuda: 'float16' };

/** Whether autocast is on for `deviceType` on this thread, and its dtype. */
export function autocastState(deviceType: AutocastDeviceType): { enabled: boolean; dtype: DType } {
  const [enabled, code] = native().autocastState(deviceType);
  return { enabled, dtype: dtypeFromCode(code) };
}

export const isAutocastEnabled = (deviceType: AutocastDeviceType = 'cuda'): boolean => native().autocastState(deviceType)[0];

function checkOptions(options: AutocastOptions): Required<AutocastOptions> {
  const { deviceType } = options;
  if (deviceType !== 'cpu' && deviceType !== 'cuda') {
    throw new TypeError(`torch.autocast: deviceType must be 'cpu' or 'cuda', got ${JSON.stringify(deviceType)}`);
  }
  const dtype = options.dtype ?? defaultDtype[deviceType];
  if (dtype !== 'bfloat16' && dtype !== 'float16') {
    throw new TypeError(`torch.autocast: dtype must be 'bfloat16' or 'float16', got ${JSON.stringify(dtype)}`);
  }
  const enabled = options.enabled ?? true;
  if (enabled && deviceType === 'cpu' && dtype !== 'bfloat16') {
    // libtorch 1.13's CPU autocast kernels cast to bfloat16 only; PyTorch warns and disables.
    throw new TypeError("torch.autocast: on 'cpu', libtorch 1.13 autocasts to bfloat16 only; float16 needs deviceType 'cuda'");
  }
  if (enabled && deviceType === 'cuda' && !native().cudaIsAvailable()) {
    throw new TypeError("torch.autocast: deviceType 'cuda' but CUDA is not available (torch.cuda.isAvailable() is false)");
  }
  return { deviceType, dtype, enabled, cacheEnabled: options.cacheEnabled ?? true };
}

/**
 * Runs `fn` under autocast for `deviceType` (torch.autocast) and restores the previous state on
 * return or throw. When the outermost region exits, the cache of cast weights is cleared.
 */
export function autocast<T>(options: AutocastOptions, fn: () => T): T {
  const { deviceType, dtype, enabled, cacheEnabled } = checkOptions(options);
  const n = native();
  const [previousEnabled, previousCode] = n.autocastState(deviceType);
  const previousCache = n.isAutocastCacheEnabled();
  n.setAutocastState(deviceType, enabled, dtypeCode(dtype));
  n.setAutocastCacheEnabled(cacheEnabled);
  n.autocastIncrementNesting();
  let result: T;
  try {
    result = fn();
  } finally {
    if (n.autocastDecrementNesting() === 0) n.autocastClearCache();
    n.setAutocastState(deviceType, previousEnabled, previousCode);
    n.setAutocastCacheEnabled(previousCache);
  }
  if (result instanceof Promise) {
    throw new TypeError('torch.autocast: fn returned a Promise; an autocast region cannot span an await (its state is per thread, shared by every task)');
  }
  return result;
}
