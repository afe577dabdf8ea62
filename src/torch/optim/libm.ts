// C's pow and cos, for bit-exact optimizers and schedulers.
//
// PyTorch computes Adam's bias corrections (`beta ** step`) and the cosine schedule
// (`math.cos(...)`) with the C library's pow and cos. V8's Math.pow and Math.cos are different
// implementations: measured against CPython here, Math.pow(beta, k) differs in the last bit for
// about a tenth of k ≤ 5000 and Math.cos for 2% of a schedule's angles. glibc's results are not
// always correctly rounded either (a double-double pow disagrees with it 19 times in 25,000), so
// the only way to the same bits is glibc itself, reached through libtorch's scalar loops:
// `pow(Scalar, Tensor)` runs std::pow on a one-element float64 tensor, and complex cos runs
// std::cos(complex), which is glibc's cos for a zero imaginary part (float64 cos goes through
// SLEEF instead). test/torch/optim/libm.test.ts checks both against CPython.
import { aten } from '../dispatch.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';

const powScalarBase = aten('pow', 'Scalar', 'optim.pow');
const complexOp = aten('complex', '', 'optim.cos');
const cosOp = aten('cos', '', 'optim.cos');
const realOp = aten('real', '', 'optim.cos');

function withTensors<T>(fn: (made: Tensor[]) => T): T {
  const made: Tensor[] = [];
  try {
    return fn(made);
  } finally {
    for (const t of made) t.dispose();
  }
}

const scalar64 = (x: number, made: Tensor[]): Tensor => {
  const t = tensor(Float64Array.of(x), { shape: [] });
  made.push(t);
  return t;
};

/** `base ** exponent` exactly as Python (C's pow) computes it. */
export function pow(base: number, exponent: number): number {
  if (exponent === 1) return base;
  if (exponent === 0) return 1;
  return withTensors((made) => {
    const result = powScalarBase(base, scalar64(exponent, made)) as Tensor;
    made.push(result);
    return result.item();
  });
}

/** `math.cos(x)` exactly as Python (C's cos) computes it. */
export function cos(x: number): number {
  return withTensors((made) => {
    const z = complexOp(scalar64(x, made), scalar64(0, made)) as Tensor;
    made.push(z);
    const c = cosOp(z) as Tensor;
    made.push(c);
    const re = realOp(c) as Tensor;
    made.push(re);
    return re.item();
  });
}
