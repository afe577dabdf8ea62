// torch.cpu: the figures of vlsm's CPU allocator and its cache of freed blocks, with the names of
// torch.cuda's memory API. Tensors of 1 MiB and more are served by native/allocator.cc, which
// keeps freed blocks for the next request of their size (a transformer layer frees and
// re-allocates the same few sizes) and unmaps those left unused; smaller ones go to glibc.
import { native } from './native.js';

export interface CpuMemoryStats {
  /** False when VLSM_CPU_CACHING=0 left libtorch's own allocator in place (all figures then 0). */
  caching: boolean;
  /** Bytes in large blocks held by tensors now. */
  allocatedBytes: number;
  /** Bytes in idle blocks kept for reuse. */
  cachedBytes: number;
  /** The most `allocatedBytes` since start or the last resetPeakMemoryStats(). */
  peakAllocatedBytes: number;
  /** Large requests served from the cache, and those that mapped a new block. */
  hits: number;
  misses: number;
  /** [block bytes, count], smallest first: blocks in use, idle, and the most in use at once since the last reset. */
  liveBlocks: [number, number][];
  idleBlocks: [number, number][];
  peakLiveBlocks: [number, number][];
}

export const cpu = {
  memoryStats: (): CpuMemoryStats => native().cpuMemoryStats(),
  /** Returns every idle cached block to the system (after a load or a cast has freed many at once). */
  emptyCache: (): void => native().cpuEmptyCache(),
  resetPeakMemoryStats: (): void => native().cpuResetPeakMemoryStats(),
};
