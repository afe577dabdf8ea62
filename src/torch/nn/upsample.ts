// nn.Upsample, after torch/nn/modules/upsampling.py: a module over F.interpolate.
import * as F from '../functional.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/**
 * Resamples [N, C, L] or [N, C, H, W] input to `size` or by `scaleFactor` (exactly one), with
 * `mode` 'nearest' (default), 'linear', 'bilinear', 'bicubic' and `alignCorners`.
 *
 * @example
 * const up = new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: false });
 */
export class Upsample extends Module {
  constructor(readonly options: F.InterpolateOptions) {
    super();
    if ((options.size === undefined) === (options.scaleFactor === undefined)) {
      throw new TypeError('nn.Upsample: give exactly one of size and scaleFactor');
    }
  }

  override extraRepr(): string {
    const o = this.options;
    const size = o.size === undefined ? `scaleFactor=${JSON.stringify(o.scaleFactor)}` : `size=${JSON.stringify(o.size)}`;
    return `${size}, mode='${o.mode ?? 'nearest'}'${o.alignCorners === undefined ? '' : `, alignCorners=${o.alignCorners}`}`;
  }

  forward(input: Tensor): Tensor {
    return F.interpolate(input, this.options);
  }
}
