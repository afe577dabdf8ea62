// Small pieces the layers share: factory options and argument checks.
import type { Device } from '../device.js';
import type { DType } from '../dtype.js';

/** Where a layer makes its parameters: PyTorch's `factory_kwargs`. */
export interface FactoryOptions {
  dtype?: DType;
  device?: Device;
}

export const factory = (o: FactoryOptions): FactoryOptions => ({ dtype: o.dtype, device: o.device });

/** Throws when a size argument is not a positive (or, with `allowZero`, non-negative) integer. */
export function checkSizes(layer: string, sizes: Record<string, number>, allowZero = false): void {
  for (const [name, value] of Object.entries(sizes)) {
    if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
      throw new RangeError(`nn.${layer}: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${value}`);
    }
  }
}

/** Expands a number to `n` copies; checks a tuple's length. */
export function ntuple(layer: string, name: string, value: number | readonly number[], n: number): number[] {
  if (typeof value === 'number') return new Array<number>(n).fill(value);
  if (value.length !== n) throw new RangeError(`nn.${layer}: ${name} must be a number or ${n} numbers, got [${value.join(', ')}]`);
  return [...value];
}
