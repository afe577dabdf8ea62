// The study fields of a run (suite, setting, datasets, frozen parts, family, prompt type,
// precision, perturbation, run hash): stored, filtered, exported and imported, and added to a
// database written by an older vlsm without losing its runs.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { exportDump, importRuns, openResults, SCHEMA_VERSION, type RunStart } from '../../src/experiments/results/index.js';

const dir = mkdtempSync(join(tmpdir(), 'vlsm-study-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = (): string => join(dir, `results-${n++}.sqlite`);
const quiet = { gitCommit: null, vlsmVersion: '0.0.0-test', machine: { hostname: 'host', cpus: 2, os: 'linux', libtorchVersion: '1.13.1' } };

const finetune: RunStart = {
  kind: 'finetune', config: { model: 'CIDAS/clipseg-rd64-refined' }, ...quiet,
  suite: 'paper-finetune', runHash: 'a1b2', family: 'clipseg', setting: 'endoscopy-pooled',
  trainedOn: ['kvasir', 'clinicdb', 'bkai'], testedOn: ['kvasir'], frozen: ['text-encoder'], promptType: 'p6', precision: 'bf16',
};

describe('study fields of a run', () => {
  it('are stored and read back, and null where a run does not say', () => {
    const store = openResults(freshPath());
    const a = store.startRun(finetune);
    const b = store.startRun({ kind: 'eval', config: {}, ...quiet, perturbation: { attribute: 'colour', mode: 'opposite' } });
    const ra = store.getRun(a);
    assert.deepEqual(
      [ra.suite, ra.runHash, ra.family, ra.setting, ra.trainedOn, ra.testedOn, ra.frozen, ra.promptType, ra.precision, ra.perturbation],
      ['paper-finetune', 'a1b2', 'clipseg', 'endoscopy-pooled', ['kvasir', 'clinicdb', 'bkai'], ['kvasir'], ['text-encoder'], 'p6', 'bf16', null],
    );
    const rb = store.getRun(b);
    assert.deepEqual(rb.perturbation, { attribute: 'colour', mode: 'opposite' });
    assert.deepEqual([rb.suite, rb.family, rb.trainedOn, rb.frozen], [null, null, null, null]);
    assert.deepEqual(store.listRuns({ suite: 'paper-finetune' }).map((r) => r.id), [a]);
    assert.deepEqual(store.listRuns({ family: 'clipseg' }).map((r) => r.id), [a]);
    assert.deepEqual(store.listRuns({ runHash: 'a1b2' }).map((r) => r.id), [a]);
    store.close();
  });

  it('allow one finished run per hash: a second done run of the same hash is refused', () => {
    const store = openResults(freshPath());
    const a = store.startRun(finetune);
    const failed = store.startRun(finetune);
    store.finishRun(failed, { error: new Error('out of memory') });
    store.finishRun(a);
    const again = store.startRun(finetune);
    assert.throws(() => store.finishRun(again), /UNIQUE constraint failed: runs\.run_hash/);
    store.close();
  });

  it('survive an export and an import into another database', () => {
    const from = openResults(freshPath());
    from.finishRun(from.startRun(finetune));
    const to = openResults(freshPath());
    const ids = importRuns(to, exportDump(from), 'dump');
    const run = to.getRun(ids.values().next().value!);
    assert.deepEqual([run.setting, run.trainedOn, run.frozen, run.precision, run.runHash], ['endoscopy-pooled', ['kvasir', 'clinicdb', 'bkai'], ['text-encoder'], 'bf16', 'a1b2']);
    from.close();
    to.close();
  });

  it('are added to a database of schema version 1, whose runs keep their rows and get the fields their config tells', () => {
    const path = freshPath();
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    old.pragma(`application_id = ${0x766c736d}`);
    old.exec(`CREATE TABLE runs (
      id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL CHECK (kind IN ('finetune', 'eval', 'zeroshot')), name TEXT, model TEXT,
      config TEXT NOT NULL, vlsm_version TEXT NOT NULL, git_commit TEXT, hostname TEXT NOT NULL, cpus INTEGER NOT NULL, os TEXT NOT NULL,
      libtorch_version TEXT, pid INTEGER NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, duration_s REAL,
      status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'killed')), error TEXT);
      CREATE TABLE item_metrics (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, dataset TEXT NOT NULL, split TEXT NOT NULL,
      prompt TEXT NOT NULL, image_id TEXT NOT NULL, class TEXT NOT NULL DEFAULT '', resolution TEXT NOT NULL DEFAULT 'original'
      CHECK (resolution IN ('original', 'model')), dice REAL, iou REAL, ones_dice_diff REAL, zeros_dice_diff REAL, gt_pixels INTEGER,
      pred_pixels INTEGER, intersection INTEGER, pixels INTEGER, prompt_text TEXT, PRIMARY KEY (run_id, dataset, split, prompt, image_id, class, resolution)) WITHOUT ROWID;
      CREATE TABLE epochs (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, epoch INTEGER NOT NULL, step INTEGER, train_loss REAL,
      val_dice REAL, val_loss REAL, lr REAL, seconds REAL, extra TEXT, logged_at TEXT NOT NULL);
      CREATE INDEX epochs_run ON epochs (run_id, epoch);
      CREATE INDEX runs_kind ON runs (kind, status);`);
    old.prepare(`INSERT INTO runs (kind, model, config, vlsm_version, hostname, cpus, os, pid, started_at, status)
      VALUES ('eval', 'CLIPSeg', '{}', '0.1.0', 'h', 2, 'linux', 1, '2026-01-01T00:00:00.000Z', 'done')`).run();
    const insert = old.prepare(`INSERT INTO runs (kind, model, config, vlsm_version, hostname, cpus, os, pid, started_at, status)
      VALUES (?, ?, ?, '0.1.0', 'h', 2, 'linux', 1, '2026-01-01T00:00:00.000Z', 'done')`);
    insert.run('finetune', 'CIDAS/clipseg-rd64-refined', JSON.stringify({ model: 'CIDAS/clipseg-rd64-refined', data: [{ root: 'data/kvasir_polyp/' }], test_data: [{ root: '/x/etis_polyp', name: 'etis' }], prompt: 'p6' }));
    insert.run('finetune', 'unet', JSON.stringify({ model: { family: 'unet', scratch: {} }, data: [{ root: 'a/isic' }, { root: 'b/dfu', name: 'dfu' }], test_data: [], prompt: 'random' }));
    insert.run('zeroshot', 'cris', JSON.stringify({ model: 'models/cris', data: ['data/busi', 'data/camus'], prompts: ['p1'] }));
    insert.run('eval', 'mystery', JSON.stringify({ data: 'not a list' }));
    old.pragma('user_version = 1');
    old.close();

    const store = openResults(path);
    const [mystery, zeroshot, pooled, hub, plain] = store.listRuns();
    assert.deepEqual([plain!.model, plain!.status, plain!.suite, plain!.family, plain!.setting, plain!.testedOn], ['CLIPSeg', 'done', null, 'clipseg', null, null]);
    // A fine-tune stored under its Hub id is now under its family, as tables match rows.
    assert.deepEqual([hub!.model, hub!.family, hub!.setting, hub!.trainedOn, hub!.testedOn, hub!.promptType, hub!.precision, hub!.frozen],
      ['clipseg', 'clipseg', 'individual', ['kvasir_polyp'], ['kvasir_polyp', 'etis'], 'p6', 'fp32', null]);
    assert.deepEqual([pooled!.family, pooled!.setting, pooled!.trainedOn, pooled!.promptType], ['unet', 'pooled', ['isic', 'dfu'], 'random']);
    assert.deepEqual([zeroshot!.family, zeroshot!.setting, zeroshot!.testedOn, zeroshot!.promptType], ['cris', null, ['busi', 'camus'], 'p1']);
    assert.deepEqual([mystery!.family, mystery!.testedOn, mystery!.precision], [null, null, 'fp32']);
    store.close();
    const check = new Database(path, { readonly: true });
    assert.equal(check.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    check.close();
  });
});
