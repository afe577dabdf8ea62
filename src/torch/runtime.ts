// Engine-wide facts and settings: threads, versions, live tensor count.
import { native, addonPath } from './native.js';

/** Sets libtorch's intra-op thread count (default: physical cores). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`torch.setNumThreads: expected a positive integer, got ${n}`);
  native().setNumThreads(n);
}
export const getNumThreads = (): number => native().getNumThreads();

/** Live libtorch tensors held by JS (disposed ones excluded; unreachable ones until GC). */
export const memory = (): { numTensors: number } => ({ numTensors: native().liveTensorCount() });

export const version = (): string => native().torchVersion;

export function info(): { libtorchVersion: string; addon: string; threads: number; parallel: string; cudaAvailable: boolean; cudaDevices: number; buildConfig: string } {
  const n = native();
  return {
    libtorchVersion: n.torchVersion,
    addon: addonPath(),
    threads: n.getNumThreads(),
    parallel: n.parallelInfo(),
    cudaAvailable: n.cudaIsAvailable(),
    cudaDevices: n.cudaDeviceCount(),
    buildConfig: n.buildConfig(),
  };
}
