// The global generator, as PyTorch's: seeded by manualSeed, its state saved and restored so a
// resumed run draws the same numbers.
import { native } from './native.js';
import { Tensor } from './tensor.js';

/** Seeds the CPU generator (and every CUDA one, when present). */
export function manualSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`torch.manualSeed: seed must be a non-negative integer, got ${seed}`);
  native().manualSeed(seed);
}

/** The CPU generator's state, a uint8 tensor. */
export const getRngState = (): Tensor => new Tensor(native().getRngState());

export function setRngState(state: Tensor): void {
  if (state.dtype !== 'uint8') throw new TypeError(`torch.setRngState: the state must be a uint8 tensor from getRngState, got ${state.dtype}`);
  native().setRngState(state.handle);
}
