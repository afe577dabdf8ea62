// Reads test/fixtures/nn (written by tools/make-nn-golden.py with PyTorch 1.13) without vlsm's io
// module, and compares tensors with a tolerance.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as torch from '../../../src/torch/index.js';
import type { DType } from '../../../src/torch/index.js';
import type { Module } from '../../../src/torch/nn/index.js';

const dir = fileURLToPath(new URL('../../../../test/fixtures/nn/', import.meta.url));

interface Entry { dtype: string; shape: number[]; offset: number }
interface Index { torch: string; tensors: Record<string, Entry>; meta: Record<string, unknown> }

let cache: { index: Index; bytes: Buffer } | undefined;
function load(): { index: Index; bytes: Buffer } {
  cache ??= { index: JSON.parse(readFileSync(dir + 'golden.json', 'utf8')) as Index, bytes: readFileSync(dir + 'golden.bin') };
  return cache;
}

export const meta = (name: string): unknown => load().index.meta[name];

/** The recorded tensor `name`, in its recorded dtype (float64 for every float). */
export function golden(name: string): torch.Tensor {
  const { index, bytes } = load();
  const entry = index.tensors[name];
  if (!entry) throw new Error(`golden: no tensor '${name}' in test/fixtures/nn/golden.json`);
  const count = entry.shape.reduce((a, b) => a * b, 1);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) values[i] = bytes.readDoubleLE(entry.offset + 8 * i);
  const t = torch.tensor(values, { shape: entry.shape });
  if (entry.dtype === 'float64') return t;
  const converted = t.to(entry.dtype as DType);
  t.dispose();
  return converted;
}

/** Every recorded tensor under `prefix/`, by the rest of its name, in recorded order. */
export function goldenGroup(prefix: string): Map<string, torch.Tensor> {
  const out = new Map<string, torch.Tensor>();
  for (const name of Object.keys(load().index.tensors)) {
    if (name.startsWith(prefix + '/')) out.set(name.slice(prefix.length + 1), golden(name));
  }
  return out;
}

/** Asserts equal shapes and |actual − expected| ≤ tol everywhere (NaN matches NaN). */
export function assertClose(actual: torch.Tensor | undefined, expected: torch.Tensor, tol: number, label: string): void {
  assert.ok(actual, `${label}: missing`);
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  const a = torch.scope(() => actual.to('float64').data() as Float64Array);
  const e = torch.scope(() => expected.to('float64').data() as Float64Array);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < e.length; i++) {
    if (Number.isNaN(e[i]) && Number.isNaN(a[i])) continue;
    const d = Math.abs(a[i] - e[i]);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  assert.ok(worst <= tol, `${label}: max |difference| ${worst} > ${tol} at flat index ${at} (got ${a[at]}, expected ${e[at]})`);
}

/**
 * Loads `<name>/state` into `module`, calls it on the recorded inputs, and checks the outputs, the
 * input gradients and every parameter gradient PyTorch recorded, within `tol`.
 */
export function checkCase(name: string, module: Module, call: (inputs: Map<string, torch.Tensor>) => (torch.Tensor | undefined)[], gradInputs: readonly string[] = [], tol = 1e-5): void {
  torch.scope(() => {
    module.loadStateDict(goldenGroup(`${name}/state`));
    const inputs = goldenGroup(`${name}/input`);
    for (const key of gradInputs) inputs.get(key)!.requiresGrad_(true);
    const outputs = call(inputs);
    let loss: torch.Tensor | undefined;
    const recorded = goldenGroup(`${name}/output`);
    assert.equal(outputs.filter((o) => o !== undefined).length, recorded.size, `${name}: number of outputs`);
    outputs.forEach((out, i) => {
      if (out === undefined) return;
      assertClose(out, recorded.get(String(i))!, tol, `${name} output ${i}`);
      const term = out.mul(golden(`${name}/grad_output/${i}`)).sum();
      loss = loss ? loss.add(term) : term;
    });
    loss!.backward();
    for (const key of gradInputs) assertClose(inputs.get(key)!.grad, golden(`${name}/grad/input/${key}`), tol, `${name} d/d${key}`);
    const grads = goldenGroup(`${name}/grad/param`);
    const params = new Map(module.namedParameters());
    for (const [key, expected] of grads) assertClose(params.get(key)?.grad, expected, tol, `${name} d/d${key}`);
    assert.deepEqual([...grads.keys()].sort(), [...params.keys()].filter((k) => params.get(k)!.requiresGrad).sort(), `${name}: parameters with gradients`);
  });
}
