// `vlsm results list|show|export`, called as the dispatcher calls them.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import { runResults } from '../../../src/cli/commands/results.js';
import { openResults } from '../../../src/experiments/results/index.js';
import { parseCsv } from '../../../src/report/table-format.js';

const dir = mkdtempSync(join(tmpdir(), 'vlsm-cli-results-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'r.sqlite');
const ids: number[] = [];

before(() => {
  const store = openResults(db);
  const quiet = { gitCommit: 'abc123', vlsmVersion: '0.1.0', machine: { hostname: 'box', cpus: 2, os: 'linux', libtorchVersion: '1.13.1' } };
  const a = store.startRun({ kind: 'finetune', config: { model: 'CRIS', lr: 1e-5 }, name: 'busi p6', startedAt: new Date('2026-01-01T00:00:00Z'), ...quiet });
  store.addItemMetrics(a, [0.9, 0.7, 0.8].map((dice, i) => ({ dataset: 'busi', split: 'test', prompt: 'P6', imageId: `i${i}`, dice, iou: dice / 2 })));
  store.logEpoch(a, { epoch: 0, step: 5, trainLoss: 0.5, valDice: 0.6, lr: 1e-5, seconds: 3 });
  store.finishRun(a, { finishedAt: new Date('2026-01-01T00:02:00Z') });
  const b = store.startRun({ kind: 'zeroshot', config: { model: 'CLIPSeg' }, startedAt: new Date('2026-01-02T00:00:00Z'), ...quiet });
  store.addItemMetrics(b, [{ dataset: 'kvasir_polyp', split: 'test', prompt: 'P6', imageId: 'k', dice: 0.5, iou: 0.25 }]);
  store.finishRun(b, { error: 'stopped', finishedAt: new Date('2026-01-02T00:00:30Z') });
  ids.push(a, b);
  store.close();
});

/** Runs the command and captures what it prints. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = mock.method(console, 'log', (...a: unknown[]) => void out.push(a.join(' ')));
  const error = mock.method(console, 'error', (...a: unknown[]) => void err.push(a.join(' ')));
  const write = mock.method(process.stdout, 'write', (chunk: string | Uint8Array) => (out.push(String(chunk).replace(/\n$/, '')), true));
  try {
    return { code: await runResults(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mock.restore();
    error.mock.restore();
    write.mock.restore();
  }
}

describe('vlsm results list', () => {
  it('prints the runs newest first with kind, model, status, start, duration and items', async () => {
    const r = await run(['list', '--db', db]);
    assert.equal(r.code, 0);
    assert.equal(
      r.out,
      [
        '| id | kind | model | status | started | duration | items | name |',
        '| ---: | --- | --- | --- | --- | --- | ---: | --- |',
        `| ${ids[1]} | zeroshot | CLIPSeg | failed | 2026-01-02 00:00:00Z | 30.0 s | 1 |  |`,
        `| ${ids[0]} | finetune | CRIS | done | 2026-01-01 00:00:00Z | 2 min 0 s | 3 | busi p6 |`,
      ].join('\n'),
    );
  });

  it('filters by kind and prints JSON on request', async () => {
    const r = await run(['list', '--db', db, '--kind', 'finetune', '--format', 'json']);
    assert.deepEqual((JSON.parse(r.out) as { id: number }[]).map((x) => x.id), [ids[0]]);
  });

  it('reads $VLSM_RESULTS when --db is not given', async () => {
    process.env.VLSM_RESULTS = db;
    try {
      const r = await run(['list', '--format', 'csv']);
      assert.equal(parseCsv(r.out).length, 3);
    } finally {
      delete process.env.VLSM_RESULTS;
    }
  });

  it('names the database file when it does not exist', async () => {
    const missing = join(dir, 'none.sqlite');
    await assert.rejects(run(['list', '--db', missing]), { message: `results database ${missing}: no such file; run an evaluation first, or pass --db / set $VLSM_RESULTS` });
  });

  it('rejects an unknown --kind, listing the kinds', async () => {
    await assert.rejects(run(['list', '--db', db, '--kind', 'train']), { message: "vlsm results list: --kind 'train' is not one of finetune, eval, zeroshot" });
  });
});

describe('vlsm results show', () => {
  it('prints the provenance, then Dice and IoU mean ± std per dataset and prompt, and the epochs', async () => {
    const r = await run(['show', String(ids[0]), '--db', db, '--epochs']);
    assert.equal(r.code, 0);
    const lines = r.out.split('\n');
    assert.equal(lines[0], `run ${ids[0]}: finetune CRIS "busi p6", done`);
    assert.equal(lines[1], 'started 2026-01-01T00:00:00.000Z, finished 2026-01-01T00:02:00.000Z (2 min 0 s)');
    assert.equal(lines[2], 'vlsm 0.1.0 (abc123); box, 2 CPUs, linux, libtorch 1.13.1');
    assert.ok(r.out.includes(`| ${ids[0]} | CRIS | busi | test | P6 | original | 3 | 80.00 ± 10.00 | 40.00 ± 5.00 |`), r.out);
    assert.ok(r.out.includes('| 0 | 5 | 0.5 | 0.6 |  | 0.00001 | 3 |'), r.out);
  });

  it('shows the error of a failed run', async () => {
    const r = await run(['show', String(ids[1]), '--db', db]);
    assert.ok(r.out.split('\n').includes('error: stopped'), r.out);
  });

  it('names the run and file when the id is unknown', async () => {
    await assert.rejects(run(['show', '99', '--db', db]), { message: `no run 99 in ${db}` });
  });

  it('needs exactly one RUN_ID', async () => {
    const r = await run(['show', '--db', db]);
    assert.equal(r.code, 2);
    assert.match(r.err, /^vlsm results show: expected one RUN_ID, got 0/);
  });
});

describe('vlsm results export', () => {
  it('writes JSON with runs, items and epochs to --out, atomically', async () => {
    const out = join(dir, 'all.json');
    const r = await run(['export', '--db', db, '--format', 'json', '--out', out]);
    assert.equal(r.code, 0);
    assert.equal(r.err, `wrote ${out}`);
    const dump = JSON.parse(readFileSync(out, 'utf8')) as { runs: { id: number; config: unknown }[]; items: unknown[]; epochs: unknown[] };
    assert.deepEqual(dump.runs.map((x) => x.id), ids);
    assert.deepEqual(dump.runs[0].config, { model: 'CRIS', lr: 1e-5 });
    assert.equal(dump.items.length, 4);
    assert.equal(dump.epochs.length, 1);
  });

  it('writes one CSV line per item, limited to --run', async () => {
    const r = await run(['export', '--db', db, '--format', 'csv', '--run', String(ids[0])]);
    const rows = parseCsv(r.out);
    assert.equal(rows.length, 4);
    assert.deepEqual(rows.slice(1).map((x) => x[rows[0].indexOf('dice')]), ['0.9', '0.7', '0.8']);
  });

  it("prints the paper's tables that have runs, each cell beside the paper's number", async () => {
    const r = await run(['export', '--db', db, '--format', 'csv', '--layout', 'paper']);
    const rows = parseCsv(r.out);
    const j = rows[0].indexOf('BUSI');
    assert.deepEqual(rows[0].slice(j, j + 4), ['BUSI', 'BUSI prompt', 'BUSI paper', 'BUSI diff']);
    const cris = rows.find((x) => x[0] === 'Individual' && x[1] === 'CRIS')!;
    assert.deepEqual(cris.slice(j, j + 4), ['80', 'P6', '83.42', '-3.42']);
    const md = await run(['export', '--db', db, '--format', 'md', '--layout', 'paper']);
    assert.deepEqual([...md.out.matchAll(/^## (.+)$/gm)].map((m) => m[1]), ['Table 3: fine-tuning settings']);
    assert.match(md.out, /^Rule: A VLSM cell is the prompt type with the highest mean test Dice/m);
  });

  it('prints Tables 6 and 7 as the paper does (rows dataset, columns prompt), and one table per CSV', async () => {
    const r = await run(['export', '--db', db, '--format', 'csv', '--layout', 'paper', '--paper-table', 'table7']);
    const rows = parseCsv(r.out);
    assert.deepEqual(rows[0].slice(0, 3), ['dataset', 'P0', 'P0 std']);
    assert.deepEqual(rows.slice(1).map((x) => x[0]), ['Kvasir-SEG', 'ClinicDB', 'BKAI', 'ISIC', 'DFU', 'CAMUS', 'BUSI', 'CheXlocalize']);
    await assert.rejects(run(['export', '--db', db, '--format', 'csv', '--layout', 'paper', '--paper-table', 'table3', '--paper-table', 'table7']), {
      message: 'vlsm results export --layout paper --format csv writes one table; choose it with --paper-table (tables chosen: table3, table7)',
    });
    await assert.rejects(run(['export', '--db', db, '--format', 'md', '--layout', 'paper', '--paper-table', 'table8']), {
      message: "vlsm results export: --paper-table 'table8' is not one of table3, table4, table6, table7, zeroshot",
    });
  });

  it("compares with the paper's numbers where names match", async () => {
    const r = await run(['export', '--db', db, '--format', 'csv', '--layout', 'compare', '--run', String(ids[0])]);
    const rows = parseCsv(r.out);
    assert.deepEqual(rows[1], ['CRIS', 'BUSI', 'P6', 'table3', 'Individual', '80.00 ± 10.00', '83.42', '-3.42']);
  });

  it('requires --format and rejects an unknown layout', async () => {
    const r = await run(['export', '--db', db]);
    assert.equal(r.code, 2);
    assert.match(r.err, /^vlsm results export: --format is required \(md, csv, json\)/);
    await assert.rejects(run(['export', '--db', db, '--format', 'md', '--layout', 'wide']), {
      message: "vlsm results export: --layout 'wide' is not one of default, items, summary, paper, compare",
    });
  });
});

describe('vlsm results import', () => {
  it('adds the runs of an export to another database, which then exports the same runs', async () => {
    const file = join(dir, 'dump.json');
    await run(['export', '--db', db, '--format', 'json', '--out', file]);
    const other = join(dir, 'other.sqlite');
    const r = await run(['import', file, '--db', other]);
    assert.equal(r.out, `imported 2 run(s) from ${file} into ${other}: ${ids[0]} → 1, ${ids[1]} → 2`);
    const again = await run(['export', '--db', other, '--format', 'json']);
    assert.equal(again.out + '\n', readFileSync(file, 'utf8'));
  });

  it('names the file when it is not an export', async () => {
    const file = join(dir, 'wrong.json');
    writeFileSync(file, '{"runs": 3}');
    await assert.rejects(run(['import', file, '--db', join(dir, 'x.sqlite')]), {
      message: `importRuns: ${file} is not a vlsm results export (expected {schemaVersion, runs, items, epochs})`,
    });
  });

  it('refuses --format, which it would have nothing to apply to', async () => {
    const r = await run(['import', join(dir, 'dump.json'), '--db', join(dir, 'y.sqlite'), '--format', 'csv']);
    assert.equal(r.code, 2);
    assert.match(r.err, /^vlsm results import: Unknown option '--format'/);
  });
});

describe('vlsm results', () => {
  it('lists its subcommands for an unknown one', async () => {
    const r = await run(['drop']);
    assert.equal(r.code, 2);
    assert.match(r.err, /^vlsm results: unknown subcommand 'drop'; expected list, show, export or import/);
  });
});
