// Devices are strings, as in PyTorch: 'cpu', 'cuda', 'cuda:1'. Never a hidden global default.
import { native } from './native.js';

export type Device = 'cpu' | 'cuda' | `cuda:${number}` | (string & {});

export interface TensorOptions {
  dtype?: import('./dtype.js').DType;
  device?: Device;
  requiresGrad?: boolean;
}

export const cuda = {
  /** True when the libtorch vlsm was built against has CUDA and a GPU is visible. */
  isAvailable: (): boolean => native().cudaIsAvailable(),
  deviceCount: (): number => native().cudaDeviceCount(),
  manualSeedAll: (seed: number): void => native().cudaManualSeed(seed),
};
