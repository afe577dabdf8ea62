// Shared test helpers: deterministic inputs and tolerance checks.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { torch } from '../src/index.js';

/** The repository root (tests run from dist/test/...). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturePath = (...parts: string[]): string => join(repoRoot, 'test', 'fixtures', ...parts);
export const readJson = <T = unknown>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** sin(0.7 i + 0.3) * scale + shift over the flat index: tools/make-*-golden.py use the same. */
export function det(shape: number[], o: { scale?: number; shift?: number; dtype?: torch.DType } = {}): torch.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = Math.sin(0.7 * i + 0.3) * (o.scale ?? 1) + (o.shift ?? 0);
  const t = torch.tensor(values, { shape });
  return o.dtype && o.dtype !== 'float64' ? t.to(o.dtype) : t;
}

/** Asserts shape equality and max |a - b| <= atol. */
export function assertClose(actual: torch.Tensor | ArrayLike<number>, expected: ArrayLike<number>, atol: number, label = '', expectedShape?: number[]): void {
  if (expectedShape && actual instanceof torch.Tensor) assert.deepEqual(actual.shape, expectedShape, `${label}: shape`);
  const a = actual instanceof torch.Tensor ? Array.from(actual.to('float64').data() as Float64Array) : Array.from(actual);
  assert.equal(a.length, expected.length, `${label}: ${a.length} values, expected ${expected.length}`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - expected[i]);
    if (!(d <= atol) && !(Number.isNaN(d) && Number.isNaN(a[i]) && Number.isNaN(expected[i]))) {
      if (!(d <= worst)) [worst, at] = [d, i];
    }
  }
  assert.ok(at < 0, `${label}: max |diff| ${worst} at ${at} (got ${a[at]}, expected ${expected[at]}) exceeds ${atol}`);
}

/** Asserts two state dicts hold the same names, dtypes, shapes and bytes. */
export function assertSameTensors(actual: Map<string, torch.Tensor>, expected: Map<string, torch.Tensor>): void {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [name, e] of expected) {
    const a = actual.get(name)!;
    assert.equal(a.dtype, e.dtype, name);
    assert.deepEqual(a.shape, e.shape, name);
    assert.deepEqual(new Uint8Array(a.bytes()), new Uint8Array(e.bytes()), name);
  }
}
