// Loads the libtorch addon. Thread-pool environment is fixed here, before libtorch's OpenMP
// runtime starts: OpenMP reads it once, at load.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { NativeError } from '../errors.js';
import { packageRoot } from '../package-root.js';

/** A libtorch tensor owned by the addon: a slot number that goes stale when disposed. */
export type Handle = number & { readonly __brand: 'TensorHandle' };

export interface NativeAddon {
  fromBytes(bytes: ArrayBuffer | ArrayBufferView, dtype: number, shape: readonly number[], device?: string): Handle;
  fromFile(path: string, byteOffset: number, dtype: number, shape: readonly number[]): Handle;
  toBytes(t: Handle): ArrayBuffer;
  meta(t: Handle): [number[], number, string, boolean];
  shape(t: Handle): number[];
  strides(t: Handle): number[];
  item(t: Handle): number | boolean;
  dispose(t: Handle): boolean;
  disposeMany(handles: Float64Array): void;
  isDisposed(t: Handle): boolean;
  liveTensorCount(): number;
  cpuMemoryStats(): import('./cpu.js').CpuMemoryStats;
  cpuEmptyCache(): void;
  cpuResetPeakMemoryStats(): void;
  dataPtr(t: Handle): bigint;
  lookupOp(name: string, overload: string): number;
  callOp(id: number, discard: boolean, ...args: unknown[]): unknown;
  schema(id: number): string;
  returns(id: number): string;
  arity(id: number): number;
  backward(t: Handle, gradient?: Handle, retainGraph?: boolean, createGraph?: boolean): void;
  grad(t: Handle): Handle | undefined;
  setGrad(t: Handle, g: Handle | null): void;
  setRequiresGrad(t: Handle, value: boolean): void;
  isLeaf(t: Handle): boolean;
  gradFnName(t: Handle): string | undefined;
  retainGrad(t: Handle): void;
  setGradEnabled(enabled: boolean): boolean;
  isGradEnabled(): boolean;
  enterInferenceMode(): void;
  exitInferenceMode(): void;
  isInferenceMode(): boolean;
  manualSeed(seed: number | bigint): void;
  getRngState(): Handle;
  setRngState(state: Handle): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  cudaIsAvailable(): boolean;
  cudaDeviceCount(): number;
  cudaManualSeed(seed: number): void;
  autocastState(deviceType: string): [boolean, number];
  setAutocastState(deviceType: string, enabled: boolean, dtype: number): void;
  autocastIncrementNesting(): number;
  autocastDecrementNesting(): number;
  autocastClearCache(): void;
  isAutocastCacheEnabled(): boolean;
  setAutocastCacheEnabled(enabled: boolean): void;
  parallelInfo(): string;
  buildConfig(): string;
  torchVersion: string;
}

export const addonPath = (): string => join(packageRoot(), 'build', 'Release', 'vlsm_torch.node');

function load(): NativeAddon {
  // Debian's libtorch spins OpenMP threads that starve OpenBLAS and Node; passive waiting halves
  // CLIPSeg's CPU latency (docs/architecture.md §4). Users' own settings win.
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  const path = addonPath();
  if (!existsSync(path)) {
    throw new NativeError(
      `vlsm's libtorch addon is not built (${path} is missing). Install libtorch ` +
        '(Debian 12: apt-get install -y libtorch-dev libopenblas0-openmp, or set LIBTORCH to a libtorch folder) ' +
        'and run `npm install` (or `npm run build:native`) in the vlsm folder.',
    );
  }
  const require = createRequire(import.meta.url);
  try {
    return require(path) as NativeAddon;
  } catch (cause) {
    throw new NativeError(
      `vlsm's libtorch addon at ${path} failed to load: ${(cause as Error).message}. ` +
        'If libtorch was moved or removed, reinstall it and rebuild with `npm run build:native`.',
      undefined,
      { cause },
    );
  }
}

let addon: NativeAddon | undefined;

/** The addon, loaded on first use so that importing vlsm never needs libtorch by itself. */
export function native(): NativeAddon {
  if (!addon) {
    addon = load();
    addon.setNumThreads(defaultThreads());
  }
  return addon;
}

/** Physical cores, unless OMP_NUM_THREADS says otherwise (libtorch honours it too). */
function defaultThreads(): number {
  const fromEnv = Number.parseInt(process.env.OMP_NUM_THREADS ?? '', 10);
  if (fromEnv > 0) return fromEnv;
  return physicalCores();
}

function physicalCores(): number {
  // /proc/cpuinfo lists logical CPUs; distinct (physical id, core id) pairs are the physical cores.
  if (existsSync('/proc/cpuinfo')) {
    const cores = new Set<string>();
    let physical = '0';
    for (const line of readFileSync('/proc/cpuinfo', 'utf8').split('\n')) {
      const [key, value] = line.split(':').map((s) => s.trim());
      if (key === 'physical id') physical = value;
      if (key === 'core id') cores.add(`${physical}:${value}`);
    }
    if (cores.size > 0) return cores.size;
  }
  return Math.max(1, availableParallelism());
}
