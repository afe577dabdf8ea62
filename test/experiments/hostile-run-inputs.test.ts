// Broken and hostile inputs around runs: a run folder's config.json and best checkpoint read by
// `vlsm eval`, `--set` keys that reach prototypes, an empty test split, damaged JSON in the
// results database. Each is refused with vlsm's error naming the file and the field.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { runEvaluate } from '../../src/cli/commands/evaluate.js';
import { CheckpointError, ConfigError, DatasetError } from '../../src/errors.js';
import { loadRunModel, testDatasets } from '../../src/experiments/finetune-run.js';
import { openResults, ResultsStoreError } from '../../src/experiments/results/index.js';
import { applySet } from '../../src/experiments/run-config.js';
import * as torch from '../../src/torch/index.js';
import { saveCheckpoint } from '../../src/train/checkpoint.js';
import { resolveRecipe } from '../../src/train/recipes.js';
import { syntheticRoot, tinyClipseg, TINY_CLIPSEG } from '../train/fixtures.js';

const tmp = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix));

/** A run folder as `vlsm finetune` leaves it (config.json, checkpoints/), with no best yet. */
function runFolder(): { run: string; checkpoints: string } {
  const run = join(tmp('vlsm-hostile-'), 'run');
  const checkpoints = join(run, 'checkpoints');
  mkdirSync(checkpoints, { recursive: true });
  const config = { model: { family: 'clipseg', input_size: [64, 64], scratch: TINY_CLIPSEG }, data: [{ root: 'data' }] };
  writeFileSync(join(run, 'config.json'), JSON.stringify({ config, recipe: resolveRecipe('clipseg', 'published') }));
  return { run, checkpoints };
}

/** A complete 'best' checkpoint under `dir`, holding one decoder weight; returns its folder. */
const saveBest = (dir: string): string =>
  torch.scope(() =>
    saveCheckpoint(dir, 'best', {
      weights: new Map([['decoder.reduce.bias', torch.zeros([TINY_CLIPSEG.reduce_dim])]]),
      optimizer: { state: {}, param_groups: [] },
      scheduler: {},
      rngState: torch.getRngState(),
      trainer: { epoch: 1, nextBatch: 0, globalStep: 3, bestMetric: 0.5, bestEpoch: 1, badEpochs: 0, stopped: false, history: [] },
      config: {},
    }),
  );

describe('a run folder read by vlsm eval', () => {
  it('names config.json when it is not JSON or not a run config', async () => {
    const { run } = runFolder();
    const file = join(run, 'config.json');
    writeFileSync(file, '{"config": {"model": ');
    await assert.rejects(loadRunModel(run), (e: unknown) => e instanceof ConfigError && e.file === file && e.message.startsWith(`${file}: cannot read the run's config: not valid JSON`));
    writeFileSync(file, JSON.stringify({ config: { model: 'x', data: [{ root: 'd' }] }, recipe: 'fast' }));
    await assert.rejects(loadRunModel(run), (e: unknown) => e instanceof ConfigError && e.field === 'recipe' && /config\.json: not a vlsm finetune run config: field 'recipe'/.test(e.message));
    writeFileSync(file, JSON.stringify({ config: { model: 'x', data: [{ root: 'd' }] }, recipe: { ...resolveRecipe('clipseg', 'published'), lr: 'fast' } }));
    await assert.rejects(loadRunModel(run), (e: unknown) => e instanceof ConfigError && e.field === 'recipe.lr');
  });

  it('loads a best checkpoint only from the run\'s own checkpoints/ (vlsm eval --model RUN)', async () => {
    const { run, checkpoints } = runFolder();
    saveBest(checkpoints);
    const good = await loadRunModel(run);
    assert.equal(good.model.family, 'clipseg');
    good.model.dispose();
    const outside = saveBest(join(run, '..', 'elsewhere')).split('/').pop()!;
    writeFileSync(join(checkpoints, 'best.json'), JSON.stringify({ folder: `../../elsewhere/${outside}` }));
    await assert.rejects(loadRunModel(run), (e: unknown) => e instanceof CheckpointError && /best\.json: field 'folder' must name a folder of checkpoints\//.test(e.message));
    await assert.rejects(runEvaluate(['--model', run, '--data', await syntheticRoot(), '--no-results', '--quiet', '--out', join(run, '..', 'eval')]), CheckpointError);
  });
});

describe('--set', () => {
  it('refuses __proto__, constructor and prototype, and pollutes nothing', () => {
    for (const key of ['__proto__.polluted', 'train.__proto__.polluted', 'constructor.prototype.polluted', 'train.prototype', 'cache.constructor']) {
      const target: Record<string, unknown> = {};
      try {
        assert.throws(() => applySet(target, `${key}=1`), (e: unknown) => e instanceof ConfigError && /is not a config field \(it would change the object's prototype\)/.test(e.message));
      } finally {
        const polluted = (Object.prototype as Record<string, unknown>).polluted !== undefined;
        delete (Object.prototype as Record<string, unknown>).polluted;
        assert.ok(!polluted, `--set ${key}=1 polluted Object.prototype`);
      }
    }
    // Overrides whose own key is __proto__ (JSON.parse and YAML make one) do not reach the merged recipe's prototype.
    assert.throws(() => resolveRecipe('clipseg', 'published', JSON.parse('{"__proto__": {"lr": 5}}') as Record<string, unknown>), /recipe overrides: field '__proto__' is not allowed/);
  });

  it('never changes a prototype for arbitrary key paths and values (property)', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'train', 'model', 'toString', 'valueOf', 'hasOwnProperty', '0', ''), fc.string({ maxLength: 8 }));
    const value = fc.oneof(fc.constantFrom('1', 'x', '{__proto__: {polluted: 1}}', '[1, 2]', 'null', '{a: {b: 1}}'), fc.string({ maxLength: 12 }));
    let refused = 0;
    fc.assert(
      fc.property(fc.array(key, { minLength: 1, maxLength: 4 }), value, (path, v) => {
        const target: Record<string, unknown> = {};
        try {
          applySet(target, `${path.join('.')}=${v}`);
        } catch (error) {
          assert.ok(error instanceof ConfigError, String(error));
          refused++;
        }
        assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), before);
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
        // Every object on the path is a plain object of its own.
        let node: unknown = target;
        for (const k of path.slice(0, -1)) {
          if (typeof node !== 'object' || node === null || !Object.hasOwn(node, k)) break;
          assert.equal(Object.getPrototypeOf(node), Object.prototype);
          node = (node as Record<string, unknown>)[k];
        }
      }),
      { seed: 5, numRuns: 1000 },
    );
    assert.ok(refused > 0);
    console.log(`--set property (seed 5, 1000 runs): ${refused} refused, prototypes unchanged`);
  });
});

describe('eval on an empty test split', () => {
  it('is an error naming the dataset root and the split', async () => {
    const root = tmp('vlsm-empty-split-');
    cpSync(await syntheticRoot(), root, { recursive: true });
    writeFileSync(join(root, 'anns', 'test.json'), '[]');
    const model = tinyClipseg();
    try {
      await assert.rejects(
        testDatasets(model, [{ root }], 'p6', resolveRecipe('clipseg', 'published'), tmp('vlsm-empty-out-'), false, false),
        (e: unknown) => e instanceof DatasetError && e.message.startsWith(`${root}: the test split has no items`) && e.file === join(root, 'anns', 'test.json'),
      );
    } finally {
      model.dispose();
    }
  });
});

describe('damaged JSON in the results database', () => {
  it('names the file, the run and the column, and never echoes the value', () => {
    const path = join(tmp('vlsm-results-'), 'results.sqlite');
    const store = openResults(path);
    const id = store.startRun({ kind: 'eval', config: { model: 'm' }, gitCommit: null, vlsmVersion: '0.0.0-test' });
    store.logEpoch(id, { epoch: 1, extra: { lrs: [1] } });
    store.close();
    const db = new Database(path);
    db.prepare('UPDATE runs SET config = ? WHERE id = ?').run('{"model": SECRET', id);
    db.prepare('UPDATE epochs SET extra = ? WHERE run_id = ?').run('[1, 2]', id);
    db.close();
    const reopened = openResults(path);
    try {
      const damaged = (e: unknown): boolean => e instanceof ResultsStoreError && e.file === path && e.message.includes(path) && e.message.includes(`run ${id}, column runs.config: damaged JSON`) && !e.message.includes('SECRET');
      assert.throws(() => reopened.getRun(id), damaged);
      assert.throws(() => reopened.listRuns(), damaged);
      assert.throws(() => reopened.epochs(id), (e: unknown) => e instanceof ResultsStoreError && e.message.includes(`run ${id} epoch 1, column epochs.extra: unexpected JSON`));
    } finally {
      reopened.close();
    }
  });
});
