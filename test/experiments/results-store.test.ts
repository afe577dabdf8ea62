// The results store: schema, runs, items, epochs, summaries, exports, several writers, bad files.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { std } from '../../src/eval/aggregate.js';
import {
  importRuns, openResults, recordRun, resultsPath, ResultsStoreError, SCHEMA_VERSION, type ItemMetricRow,
} from '../../src/experiments/results/index.js';
import { exportRuns, ITEM_COLUMNS } from '../../src/report/results-export.js';
import { parseCsv } from '../../src/report/table-format.js';

const dir = mkdtempSync(join(tmpdir(), 'vlsm-results-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = (): string => join(dir, `results-${n++}.sqlite`);
const quiet = { gitCommit: null, vlsmVersion: '0.0.0-test', machine: { hostname: 'host', cpus: 2, os: 'linux', libtorchVersion: '1.13.1' } };

const item = (imageId: string, dice: number, extra: Partial<ItemMetricRow> = {}): ItemMetricRow => ({
  dataset: 'busi', split: 'test', prompt: 'P6', imageId, dice, iou: dice / (2 - dice), ...extra,
});

describe('opening a results database', () => {
  it('creates the schema at the current version, in WAL mode, marked as a vlsm file', () => {
    const path = freshPath();
    openResults(path).close();
    const db = new Database(path, { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('application_id', { simple: true }), 0x766c736d);
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((t) => t.name);
    assert.deepEqual(tables.filter((t) => !t.startsWith('sqlite_')), ['epochs', 'item_metrics', 'runs']);
    db.close();
  });

  it('opens an existing database again without migrating twice', () => {
    const path = freshPath();
    const a = openResults(path);
    const id = a.startRun({ kind: 'zeroshot', config: {}, ...quiet });
    a.close();
    const b = openResults(path);
    assert.equal(b.getRun(id).kind, 'zeroshot');
    b.close();
  });

  it('names the file when it is not an SQLite database', () => {
    const path = join(dir, 'corrupt.sqlite');
    writeFileSync(path, 'this is not a database, just some text long enough to have a header'.repeat(20));
    assert.throws(() => openResults(path), (e: unknown) => {
      assert.ok(e instanceof ResultsStoreError);
      assert.equal(e.file, path);
      assert.equal(
        e.message,
        `results database ${path}: file is not a database: the file is damaged or not an SQLite database; move it aside (a new one is created) or pass another --db`,
      );
      return true;
    });
  });

  it('refuses an SQLite file with other tables, listing them', () => {
    const path = freshPath();
    const db = new Database(path);
    db.exec('CREATE TABLE songs (title TEXT)');
    db.close();
    assert.throws(() => openResults(path), { message: `results database ${path}: not a vlsm results database (it has tables songs and no vlsm schema version)` });
  });

  it('refuses a schema newer than this vlsm, saying to upgrade', () => {
    const path = freshPath();
    openResults(path).close();
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(() => openResults(path), {
      message: `results database ${path}: schema version ${SCHEMA_VERSION + 1} is newer than this vlsm understands (${SCHEMA_VERSION}); upgrade vlsm`,
    });
  });

  it('says how to get a database when a read-only open finds none', () => {
    const path = join(dir, 'missing.sqlite');
    assert.throws(() => openResults(path, { readonly: true }), { message: `results database ${path}: no such file; run an evaluation first, or pass --db / set $VLSM_RESULTS` });
  });

  it('finds the file from --db, then $VLSM_RESULTS, then ./vlsm-results.sqlite', () => {
    assert.equal(resultsPath('a.sqlite', { VLSM_RESULTS: 'b.sqlite' }), 'a.sqlite');
    assert.equal(resultsPath(undefined, { VLSM_RESULTS: 'b.sqlite' }), 'b.sqlite');
    assert.equal(resultsPath(undefined, {}), join(process.cwd(), 'vlsm-results.sqlite'));
  });
});

describe('runs', () => {
  it('records config, version, commit, machine and start as a running run, then its end', () => {
    const store = openResults(freshPath());
    const started = new Date('2026-01-01T00:00:00.000Z');
    const id = store.startRun({ kind: 'finetune', config: { model: 'CLIPSeg', lr: 1e-3 }, name: 'busi p6', startedAt: started, ...quiet });
    let run = store.getRun(id);
    assert.deepEqual(
      { ...run, pid: 0 },
      {
        id, kind: 'finetune', name: 'busi p6', model: 'CLIPSeg', config: { model: 'CLIPSeg', lr: 1e-3 }, vlsmVersion: '0.0.0-test', gitCommit: null,
        machine: quiet.machine, pid: 0, startedAt: started.toISOString(), finishedAt: null, durationS: null, status: 'running', error: null, items: 0,
        suite: null, runHash: null, family: null, setting: null, trainedOn: null, testedOn: null, frozen: null, promptType: null, precision: null, perturbation: null,
      },
    );
    store.finishRun(id, { finishedAt: new Date('2026-01-01T00:01:30.000Z') });
    run = store.getRun(id);
    assert.equal(run.status, 'done');
    assert.equal(run.durationS, 90);
    store.close();
  });

  it('stores a failure with its error text, and a killed run', () => {
    const store = openResults(freshPath());
    const a = store.startRun({ kind: 'eval', config: {}, ...quiet });
    const b = store.startRun({ kind: 'eval', config: {}, ...quiet });
    store.finishRun(a, { error: new Error('CUDA out of memory') });
    store.finishRun(b, { status: 'killed' });
    assert.equal(store.getRun(a).status, 'failed');
    assert.match(store.getRun(a).error ?? '', /^Error: CUDA out of memory/);
    assert.equal(store.getRun(b).status, 'killed');
    store.close();
  });

  it('fills in this package version, the machine and the git commit when not given', () => {
    const store = openResults(freshPath());
    const run = store.getRun(store.startRun({ kind: 'eval', config: { model: 'CRIS' } }));
    assert.match(run.vlsmVersion, /^\d+\.\d+\.\d+/);
    assert.ok(run.machine.cpus >= 1);
    assert.ok(run.gitCommit === null || /^[0-9a-f]{40}(-dirty)?$/.test(run.gitCommit));
    store.close();
  });

  it('lists runs newest first, filtered by kind, status, model, ids and limit', () => {
    const store = openResults(freshPath());
    const ids = [
      store.startRun({ kind: 'zeroshot', config: { model: 'CRIS' }, ...quiet }),
      store.startRun({ kind: 'finetune', config: { model: 'CLIPSeg' }, ...quiet }),
      store.startRun({ kind: 'eval', config: { model: 'CLIPSeg' }, ...quiet }),
    ];
    store.finishRun(ids[1]);
    assert.deepEqual(store.listRuns().map((r) => r.id), [ids[2], ids[1], ids[0]]);
    assert.deepEqual(store.listRuns({ model: 'CLIPSeg' }).map((r) => r.id), [ids[2], ids[1]]);
    assert.deepEqual(store.listRuns({ status: 'done' }).map((r) => r.id), [ids[1]]);
    assert.deepEqual(store.listRuns({ kind: 'zeroshot' }).map((r) => r.id), [ids[0]]);
    assert.deepEqual(store.listRuns({ ids: [ids[0], ids[2]] }).map((r) => r.id), [ids[2], ids[0]]);
    assert.deepEqual(store.listRuns({ limit: 1 }).map((r) => r.id), [ids[2]]);
    store.close();
  });

  it('names the id and file for a run that is not there', () => {
    const path = freshPath();
    const store = openResults(path);
    assert.throws(() => store.getRun(42), { message: `no run 42 in ${path}` });
    assert.throws(() => store.addItemMetrics(42, [item('a', 1)]), { message: `addItemMetrics: no run 42 in ${path}; start it with startRun first` });
    store.close();
  });
});

describe('items, epochs and summaries', () => {
  it('stores items in one transaction: a repeated item rejects the whole batch and names it', () => {
    const path = freshPath();
    const store = openResults(path);
    const id = store.startRun({ kind: 'eval', config: {}, ...quiet });
    assert.equal(store.addItemMetrics(id, [item('a', 0.5), item('b', 0.25)]), 2);
    assert.throws(() => store.addItemMetrics(id, [item('c', 0.5), item('a', 0.9)]), {
      message: `addItemMetrics: run ${id}, item busi/test/P6/a (original) is already stored for this run (${path})`,
    });
    assert.deepEqual(store.itemMetrics([id]).map((m) => m.imageId), ['a', 'b']);
    store.close();
  });

  it('keeps classes and resolutions apart and round-trips NaN as NaN', () => {
    const store = openResults(freshPath());
    const id = store.startRun({ kind: 'eval', config: {}, ...quiet });
    store.addItemMetrics(id, [
      item('p1', Number.NaN, { dataset: 'camus', className: 'LV', iou: Number.NaN }),
      item('p1', 0.5, { dataset: 'camus', className: 'MYO' }),
      item('p1', 0.4, { dataset: 'camus', className: 'MYO', resolution: 'model', gtPixels: 10, predPixels: 6, intersection: 4, pixels: 100 }),
    ]);
    const items = store.itemMetrics([id]);
    assert.equal(items.length, 3);
    const lv = items.find((m) => m.className === 'LV')!;
    assert.ok(Number.isNaN(lv.dice) && Number.isNaN(lv.iou));
    const model = items.find((m) => m.resolution === 'model')!;
    assert.deepEqual([model.gtPixels, model.predPixels, model.intersection, model.pixels], [10, 6, 4, 100]);
    store.close();
  });

  it('summarises mean ± sample std ×100 per dataset × split × prompt × resolution', () => {
    const store = openResults(freshPath());
    const id = store.startRun({ kind: 'eval', config: {}, model: 'CRIS', ...quiet });
    const dices = [1, 0.8, 0.6, 0.9, 0];
    store.addItemMetrics(id, dices.map((d, i) => item(`i${i}`, d)));
    store.addItemMetrics(id, [item('x', 0.5, { prompt: 'P0' })]);
    const [p0, p6] = store.runSummary(id); // sorted by dataset, split, prompt
    assert.deepEqual([p6.model, p6.dataset, p6.split, p6.prompt, p6.resolution, p6.dice.count], ['CRIS', 'busi', 'test', 'P6', 'original', 5]);
    assert.ok(Math.abs(p6.dice.mean - 66) < 1e-9);
    assert.ok(Math.abs(p6.dice.std - std(dices.map((d) => d * 100))) < 1e-9);
    assert.equal(p0.prompt, 'P0');
    assert.ok(Number.isNaN(p0.dice.std));
    store.close();
  });

  it('logs epochs in order with their extras', () => {
    const store = openResults(freshPath());
    const id = store.startRun({ kind: 'finetune', config: {}, ...quiet });
    store.logEpoch(id, { epoch: 1, step: 20, trainLoss: 0.4, valDice: 0.7, lr: 1e-3, seconds: 12.5 });
    store.logEpoch(id, { epoch: 0, step: 10, trainLoss: 0.6, valDice: 0.5, lr: 1e-3, seconds: 13, extra: { valIou: 0.4 } });
    const epochs = store.epochs(id);
    assert.deepEqual(epochs.map((e) => [e.epoch, e.step, e.trainLoss, e.valDice, e.valLoss, e.lr, e.seconds, e.extra]), [
      [0, 10, 0.6, 0.5, null, 1e-3, 13, { valIou: 0.4 }],
      [1, 20, 0.4, 0.7, null, 1e-3, 12.5, null],
    ]);
    store.close();
  });
});

describe('exports', () => {
  function filled() {
    const store = openResults(freshPath());
    const a = store.startRun({ kind: 'eval', config: { model: 'CLIPSeg', seed: 42 }, ...quiet });
    store.addItemMetrics(a, [
      item('img,with comma', 1 / 3, { onesDiceDiff: 0.1, zerosDiceDiff: -0.2, promptText: 'a "round" tumour, small' }),
      item('b', 0.123456789012345, { gtPixels: 5, predPixels: 7, intersection: 3, pixels: 64 }),
      item('c', Number.NaN),
    ]);
    store.logEpoch(a, { epoch: 0, trainLoss: 0.5 });
    store.finishRun(a);
    const b = store.startRun({ kind: 'zeroshot', config: { model: 'CRIS' }, ...quiet });
    store.addItemMetrics(b, [item('a', 0.75, { dataset: 'camus', prompt: 'P1', className: 'LV' })]);
    return { store, ids: [a, b] };
  }

  it('json holds every run with its config, every item and epoch, and parses back to the same records', () => {
    const { store, ids } = filled();
    const dump = JSON.parse(exportRuns(store, 'json')) as { schemaVersion: number; runs: unknown[]; items: { dice: number | null }[]; epochs: unknown[] };
    assert.equal(dump.schemaVersion, SCHEMA_VERSION);
    assert.deepEqual(dump.runs, store.listRuns().reverse());
    const items = store.itemMetrics(ids);
    assert.deepEqual(dump.items, items.map((m) => ({ ...m, dice: Number.isNaN(m.dice) ? null : m.dice, iou: Number.isNaN(m.iou) ? null : m.iou })));
    assert.deepEqual(dump.epochs, store.epochs(ids[0]));
    store.close();
  });

  it('csv has one line per item and parses back to the stored values exactly', () => {
    const { store, ids } = filled();
    const [header, ...lines] = parseCsv(exportRuns(store, 'csv'));
    assert.deepEqual(header, ITEM_COLUMNS);
    const items = store.itemMetrics(ids);
    assert.equal(lines.length, items.length);
    const num = (s: string): number | null => (s === '' ? null : s === 'nan' ? Number.NaN : Number(s));
    lines.forEach((cells, k) => {
      const row = Object.fromEntries(header.map((h, j) => [h, cells[j]]));
      const m = items[k];
      assert.deepEqual(
        [Number(row.run_id), row.dataset, row.prompt, row.image_id, row.class, num(row.dice), num(row.iou), num(row.ones_dice_diff), num(row.gt_pixels), row.prompt_text || null],
        [m.runId, m.dataset, m.prompt, m.imageId, m.className, m.dice, m.iou, m.onesDiceDiff, m.gtPixels, m.promptText],
      );
    });
    assert.equal(lines[0][header.indexOf('model')], 'CLIPSeg');
    store.close();
  });

  it('md is the summary per run, mean ± std ×100 to 2 decimals', () => {
    const { store, ids } = filled();
    const md = exportRuns(store, 'md', { ids: [ids[1]] });
    assert.equal(
      md,
      '| run | model | dataset | split | prompt | resolution | n | dice | iou |\n' +
        '| ---: | --- | --- | --- | --- | --- | ---: | --- | --- |\n' +
        `| ${ids[1]} | CRIS | camus | test | P1 | original | 1 | 75.00 ± n/a | 60.00 ± n/a |\n`,
    );
    store.close();
  });

  it('json imports into another database under new ids and exports again identically', () => {
    const { store } = filled();
    const dump = JSON.parse(exportRuns(store, 'json')) as unknown;
    const other = openResults(freshPath());
    const earlier = other.startRun({ kind: 'eval', config: {}, ...quiet });
    const ids = importRuns(other, dump);
    assert.deepEqual([...ids.values()], [earlier + 1, earlier + 2]);
    const again = JSON.parse(exportRuns(other, 'json', { ids: [...ids.values()] })) as { runs: { id: number }[]; items: { runId: number }[]; epochs: { runId: number }[] };
    const back = (id: number): number => [...ids].find(([, to]) => to === id)![0];
    const renumbered = {
      ...again,
      runs: again.runs.map((r) => ({ ...r, id: back(r.id) })),
      items: again.items.map((m) => ({ ...m, runId: back(m.runId) })),
      epochs: again.epochs.map((e) => ({ ...e, runId: back(e.runId) })),
    };
    assert.deepEqual(renumbered, dump);
    store.close();
    other.close();
  });

  it('refuses to import a dump whose items name a run it does not list, storing nothing', () => {
    const path = freshPath();
    const store = openResults(path);
    const dump = { schemaVersion: SCHEMA_VERSION, runs: [], items: [{ runId: 5 }], epochs: [] };
    assert.throws(() => importRuns(store, dump, 'x.json'), { message: 'importRuns: x.json has items of run 5, which it does not list' });
    assert.throws(() => importRuns(store, { ...dump, schemaVersion: 99 }, 'x.json'), { message: `importRuns: x.json has schema version 99, this vlsm reads ${SCHEMA_VERSION}` });
    assert.deepEqual(store.listRuns(), []);
    store.close();
  });

  it('rejects an unknown format, listing the formats', () => {
    const { store } = filled();
    assert.throws(() => exportRuns(store, 'xlsx' as 'md'), { message: `exportRuns: unknown format 'xlsx'; formats: md, csv, json` });
    store.close();
  });
});

describe('several processes writing at once', () => {
  it('keeps every row of three concurrent writers that also race to create the file', async () => {
    const path = freshPath();
    const writer = join(dirname(fileURLToPath(import.meta.url)), 'results-writer.js');
    const [writers, batches, perBatch] = [3, 15, 20];
    const runs = await Promise.all(
      Array.from({ length: writers }, (_, w) =>
        new Promise<number>((resolve, reject) => {
          const child = spawn(process.execPath, [writer, path, String(w), String(batches), String(perBatch)], { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          let err = '';
          child.stdout.on('data', (d: Buffer) => (out += d));
          child.stderr.on('data', (d: Buffer) => (err += d));
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`writer ${w} exited ${code}: ${err}`))));
        }),
      ),
    );
    const store = openResults(path, { readonly: true });
    assert.equal(new Set(runs).size, writers);
    for (const id of runs) {
      const run = store.getRun(id);
      assert.equal(run.status, 'done');
      assert.equal(run.items, batches * perBatch);
      assert.equal(store.epochs(id).length, batches);
    }
    assert.equal(store.itemMetrics().length, writers * batches * perBatch);
    store.close();
  });
});

describe('run lifecycle', () => {
  const child = join(dirname(fileURLToPath(import.meta.url)), 'run-child.js');

  it('recordRun finishes a run done, or failed with the error, which it rethrows', async () => {
    const store = openResults(freshPath());
    assert.equal(await recordRun(store, { kind: 'eval', config: {}, ...quiet }, async () => 7), 7);
    await assert.rejects(recordRun(store, { kind: 'eval', config: {}, ...quiet }, async () => { throw new Error('no images'); }), { message: 'no images' });
    const [failed, done] = store.listRuns();
    assert.deepEqual([done.status, failed.status], ['done', 'failed']);
    assert.match(failed.error ?? '', /^Error: no images/);
    store.close();
  });

  it('marks a run killed when SIGTERM stops its process, which still dies of the signal', async () => {
    const path = freshPath();
    openResults(path).close();
    const proc = spawn(process.execPath, [child, path, 'hang'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const runId = await new Promise<number>((resolve) => proc.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
    const exit = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
    proc.kill('SIGTERM');
    assert.equal(await exit, 'SIGTERM');
    const store = openResults(path, { readonly: true });
    const run = store.getRun(runId);
    assert.deepEqual([run.status, run.error], ['killed', 'stopped by SIGTERM']);
    store.close();
  });

  it('reapKilledRuns marks killed the running runs whose process on this machine is gone', async () => {
    const path = freshPath();
    openResults(path).close();
    const out = await new Promise<string>((resolve, reject) => {
      const proc = spawn(process.execPath, [child, path, 'abandon'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      proc.stdout.on('data', (d: Buffer) => (text += d));
      proc.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`child exited ${code}`))));
    });
    const abandoned = Number(out.trim());
    const store = openResults(path);
    const mine = store.startRun({ kind: 'eval', config: {}, ...quiet, machine: undefined });
    assert.equal(store.getRun(abandoned).status, 'running');
    assert.deepEqual(store.reapKilledRuns(), [abandoned]);
    const run = store.getRun(abandoned);
    assert.equal(run.status, 'killed');
    assert.match(run.error ?? '', /^process \d+ on .+ ended without finishing the run$/);
    assert.ok(run.durationS !== null && run.durationS >= 0);
    assert.equal(store.getRun(mine).status, 'running');
    store.close();
  });
});
