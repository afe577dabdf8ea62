// The layer rule, checked from the import statements of src/**/*.ts: a module imports only from its
// own layer or below, nothing imports the package root, and no files or layers import each other in
// a circle.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers.js';
import { findCycles, importsOf, sourceFiles, type ImportEdge } from './import-graph.js';

const srcDir = join(repoRoot, 'src');

/**
 * Bottom to top. The files at the root of src (errors.ts, atomic-write.ts) are the base; src/index.ts
 * is the package's public door above everything and no module imports it. src/web holds the browser
 * page that the server sends as static files: no module imports it.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['<root>'],
  ['torch'],
  ['imaging', 'tokenizers', 'hub', 'data'],
  ['prompts', 'models'],
  ['train', 'eval'],
  ['experiments', 'report'],
  ['server', 'cli'],
];
const PACKAGE_ROOT = 'index.ts';

/** The top folder of a src-relative file ('<root>' for files directly under src). */
const moduleOf = (file: string): string => (file.includes('/') ? file.slice(0, file.indexOf('/')) : '<root>');
const rankOf = (module: string): number => LAYERS.findIndex((layer) => layer.includes(module));

const files = sourceFiles(srcDir);
const edges: ImportEdge[] = files.flatMap((file) => importsOf(srcDir, file));
const internal = edges.filter((e): e is ImportEdge & { to: string } => e.to !== undefined);
const where = (e: ImportEdge): string => `src/${e.from}:${e.line} imports '${e.specifier}'`;

test('every folder of src has a layer', () => {
  const unplaced = [...new Set(files.filter((f) => f !== PACKAGE_ROOT).map(moduleOf))].filter((m) => rankOf(m) < 0);
  assert.deepEqual(unplaced, [], `folders of src with no layer: ${unplaced.join(', ')}`);
});

test('imports resolve to files inside src', () => {
  const outside = internal.filter((e) => e.to.startsWith('../') || !files.includes(e.to));
  assert.deepEqual(outside.map(where), [], 'relative imports that leave src or name no .ts file');
});

test('no module imports the package root; torch comes from src/torch', () => {
  const offenders = internal.filter((e) => e.to === PACKAGE_ROOT && e.from !== PACKAGE_ROOT);
  assert.deepEqual(offenders.map(where), [], 'modules importing src/index.ts');
});

test('a module imports only from its own layer or below', () => {
  const upward = internal.filter((e) => {
    if (e.from === PACKAGE_ROOT || e.to === PACKAGE_ROOT) return false;
    return rankOf(moduleOf(e.to)) > rankOf(moduleOf(e.from));
  });
  assert.deepEqual(
    upward.map((e) => `${where(e)}: ${moduleOf(e.from)} may not depend on ${moduleOf(e.to)}`),
    [],
    'upward imports',
  );
});

/**
 * The one cycle by design: the Tensor class calls its operators as methods and the operators wrap
 * their results in Tensors, as PyTorch's Tensor and ATen do. It is safe to load from any of its
 * files because the operators reach Tensor only when called, never while their module loads.
 */
const ENGINE_CORE = ['torch/dispatch.ts', 'torch/ops/linalg.ts', 'torch/ops/pointwise.ts', 'torch/ops/reduction.ts', 'torch/ops/shape.ts', 'torch/tensor.ts'];

test('no import cycles between files (imports that run; types are erased)', () => {
  const cycles = findCycles(internal.filter((e) => !e.typeOnly));
  const unexpected = cycles.filter((c) => !c.members.every((f) => ENGINE_CORE.includes(f)));
  assert.deepEqual(
    unexpected.map((c) => `${c.path.join(' -> ')}${c.members.length > c.path.length - 1 ? ` (${c.members.length} files in the cycle: ${c.members.join(', ')})` : ''}`),
    [],
    'files that import each other at run time',
  );
});

test('no cycles between top-level modules (folders) of src', () => {
  const between = internal
    .filter((e) => e.from !== PACKAGE_ROOT && e.to !== PACKAGE_ROOT && moduleOf(e.from) !== moduleOf(e.to))
    .map((e) => ({ from: moduleOf(e.from), to: moduleOf(e.to), edge: e }));
  const cycles = findCycles(between);
  const witness = (a: string, b: string): string => where(between.find((x) => x.from === a && x.to === b)!.edge);
  assert.deepEqual(
    cycles.map(({ path: c }) => `${c.join(' -> ')} (${c.slice(1).map((to, i) => witness(c[i], to)).join('; ')})`),
    [],
    'folders that import each other',
  );
});

test('the checker sees import, export-from, dynamic import and import types', () => {
  const text = [
    "import { a } from '../torch/index.js';",
    "import type { B } from '../models/types.js';",
    "export { c } from './x.js';",
    "export * from '../errors.js';",
    "const m = await import('../cli/main.js');",
    "type T = import('../report/tables.js').Row;",
    "import 'node:fs';",
  ].join('\n');
  const found = importsOf(srcDir, 'eval/probe.ts', text).map((e) => [e.specifier, e.to, e.typeOnly, e.line]);
  assert.deepEqual(found, [
    ['../torch/index.js', 'torch/index.ts', false, 1],
    ['../models/types.js', 'models/types.ts', true, 2],
    ['./x.js', 'eval/x.js', false, 3],
    ['../errors.js', 'errors.ts', false, 4],
    ['../cli/main.js', 'cli/main.ts', false, 5],
    ['../report/tables.js', 'report/tables.ts', true, 6],
    ['node:fs', undefined, false, 7],
  ]);
  assert.deepEqual(findCycles([{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'c', to: 'a' }, { from: 'c', to: 'd' }, { from: 'd', to: 'd' }]), [
    { members: ['d'], path: ['d', 'd'] },
    { members: ['a', 'b', 'c'], path: ['a', 'b', 'c', 'a'] },
  ]);
});
