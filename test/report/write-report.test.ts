// `vlsm report`: the folder it writes (tables that parse back, a page with a table of contents and
// no external requests, the same sections in README.md) and its answers to bad input.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import { runReport } from '../../src/cli/commands/report.js';
import { openResults } from '../../src/experiments/results/index.js';
import { parseCsv, type Cell, type Table } from '../../src/report/table-format.js';
import { writeReport, type ReportResult } from '../../src/report/write-report.js';
import { addRun } from './study-store.js';

const dir = mkdtempSync(join(tmpdir(), 'vlsm-write-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'r.sqlite');
const out = join(dir, 'report');
let result: ReportResult;

before(async () => {
  const store = openResults(db);
  addRun(store, { model: 'CLIPSeg', setting: 'individual', trainedOn: ['Kvasir-SEG'], promptType: 'p6', suite: 'demo' }, { kvasir_polyp: { P6: [0.9, 0.95] } });
  addRun(store, { kind: 'zeroshot', model: 'CLIPSeg', suite: 'demo' }, { busi: { P0: [0.1, 0.3] } });
  // Cell text LaTeX, markdown and CSV must escape.
  addRun(store, { model: 'my_model & co | 50% {x}', suite: 'other' }, { busi: { P1: [0.5] } });
  result = await writeReport(store, { suite: 'demo', out });
  store.close();
});

const read = (name: string): string => readFileSync(join(out, name), 'utf8');
const text = (c: Cell): string => (c === null ? '' : String(c));

function parseMarkdownTable(md: string): string[][] {
  const lines = md.split('\n').filter((l) => l.startsWith('|'));
  return lines.filter((_, i) => i !== 1).map((l) => l.slice(2, -2).split(/(?<!\\) \| /).map((c) => c.replace(/\\\|/g, '|')));
}

function parseLatexTable(tex: string): string[][] {
  const unescape = (s: string): string =>
    s.replace(/\\textbackslash\{\}/g, '\\').replace(/\\textasciitilde\{\}/g, '~').replace(/\\textasciicircum\{\}/g, '^').replace(/\\([&%$#_{}])/g, '$1');
  return tex.split('\n').filter((l) => l.endsWith(' \\\\')).map((l) => l.slice(0, -3).split(/ (?<!\\)& /).map((c) => unescape(c.trim())));
}

const asText = (t: Table): string[][] => [t.columns, ...t.rows.map((r) => r.map(text))];

describe('vlsm report folder', () => {
  it('writes index.html, README.md and every table as md, csv and tex', () => {
    for (const id of ['runs', 'table1', 'table2', 'table3', 'table4', 'table6', 'table7', 'zeroshot']) {
      for (const ext of ['md', 'csv', 'tex']) assert.ok(result.files.includes(`tables/${id}.${ext}`), `tables/${id}.${ext}`);
    }
    assert.ok(result.files.includes('index.html') && result.files.includes('README.md'));
    for (const f of result.files) assert.ok(existsSync(join(out, f)), f);
    assert.equal(result.runs, 2, 'only the runs of suite demo');
  });

  it('writes tables whose md, csv and tex parse back to the same cells', () => {
    for (const t of result.tables) {
      const expected = asText(t.table);
      assert.deepEqual(parseCsv(read(`tables/${t.id}.csv`)), expected, `${t.id}.csv`);
      assert.deepEqual(parseMarkdownTable(read(`tables/${t.id}.md`)), expected, `${t.id}.md`);
      assert.deepEqual(parseLatexTable(read(`tables/${t.id}.tex`)), expected, `${t.id}.tex`);
    }
    const table3 = parseCsv(read('tables/table3.csv'));
    const row = table3.find((r) => r[0] === 'Individual' && r[1] === 'CLIPSeg')!;
    assert.deepEqual(row.slice(2, 6), ['92.5', 'P6', '88.75', '3.75']);
  });

  it('escapes cell text in LaTeX, markdown and CSV', async () => {
    const other = join(dir, 'other');
    const store = openResults(db, { readonly: true });
    const r = await writeReport(store, { suite: 'other', out: other, figures: false });
    store.close();
    assert.equal(r.runs, 1);
    const runs = readFileSync(join(other, 'tables/runs.tex'), 'utf8');
    assert.match(runs, /my\\_model \\& co \| 50\\% \\\{x\\\}/);
    assert.match(readFileSync(join(other, 'tables/runs.md'), 'utf8'), /my_model & co \\\| 50% \{x\}/);
    assert.equal(parseLatexTable(runs)[1]![2], 'my_model & co | 50% {x}');
    assert.equal(parseCsv(readFileSync(join(other, 'tables/runs.csv'), 'utf8'))[1]![2], 'my_model & co | 50% {x}');
  });

  it('says in every table and in the page which runs, suite, version and commit it was made from', () => {
    assert.match(read('tables/table3.md'), /Made from: suite demo; run 1; vlsm 0\.1\.0; commit abc123\./);
    assert.match(read('tables/zeroshot.tex'), /Made from: suite demo; run 2; vlsm 0\.1\.0; commit abc123\./);
    assert.match(read('index.html'), /Made from: suite demo; run 1; vlsm 0\.1\.0; commit abc123\./);
    assert.match(read('tables/table1.md'), /Made from: the paper's Table 1 and vlsm's importers\./);
  });

  it('writes a page with a table of contents, no scripts and no external requests', () => {
    const html = read('index.html');
    assert.match(html, /^<!DOCTYPE html>/);
    const nav = html.slice(html.indexOf('<nav id="contents">'), html.indexOf('</nav>'));
    const targets = [...nav.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]);
    const figures = result.figures.map((f) => f.id);
    assert.ok(figures.includes('figure-2-prompt-types'), figures.join(', '));
    assert.deepEqual(targets, ['runs', 'table1', 'table2', 'table3', 'table4', 'table6', 'table7', 'zeroshot', ...figures]);
    for (const id of targets) assert.ok(html.includes(`<section id="${id}">`), id);
    assert.doesNotMatch(html, /<script|<link|@import|url\(/i);
    const urls = [...html.matchAll(/\b(?:src|href|data)\s*=\s*"([^"]*)"/gi)].map((m) => m[1]!);
    assert.ok(urls.length > 20);
    for (const u of urls) assert.ok(!/^(?:[a-z]+:)?\/\//i.test(u), `external URL ${u}`);
    for (const u of urls.filter((x) => !x.startsWith('#'))) assert.ok(existsSync(join(out, u)), `link to a missing file ${u}`);
    assert.match(html, /<th colspan="4">Kvasir-SEG<\/th>/);
    assert.match(html, /<td class="num pos">3\.75<\/td>/);
  });

  it('shows each figure linked to its data (CSV), with the runs it was made from', () => {
    const html = read('index.html');
    const drawn = result.figures.filter((f) => f.svg && f.csv);
    assert.ok(drawn.length >= 1);
    for (const f of drawn) {
      assert.ok(html.includes(`<a href="${f.csv}"><img src="${f.svg}"`), f.id);
      assert.ok(existsSync(join(out, f.png!)), f.png!);
      const section = html.slice(html.indexOf(`<section id="${f.id}">`));
      assert.match(section.slice(0, section.indexOf('</section>')), new RegExp(`Made from: suite demo; runs? ${f.runIds.join(', ')}; vlsm 0\\.1\\.0; commit abc123\\.`));
    }
    for (const f of result.figures.filter((x) => !x.svg)) assert.ok(html.includes(`Missing: ${f.missing!.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')}`), f.id);
  });

  it('writes README.md with the same sections and contents', () => {
    const md = read('README.md');
    const html = read('index.html');
    const titles = [...html.matchAll(/<h2>([^<]+)<\/h2>/g)].map((m) => m[1]!.replace(/&#39;|&amp;/g, (e) => (e === '&amp;' ? '&' : "'")));
    assert.deepEqual([...md.matchAll(/^## (.+)$/gm)].map((m) => m[1]), titles);
    for (const t of titles.filter((x) => x !== 'Contents')) assert.ok(md.includes(`- [${t}](#`), `contents entry ${t}`);
  });
});

describe('vlsm report on bad input', () => {
  it('reports an empty store: tables say there are no runs, the paper numbers stand alone', async () => {
    const empty = join(dir, 'empty.sqlite');
    openResults(empty).close();
    const store = openResults(empty, { readonly: true });
    const r = await writeReport(store, { out: join(dir, 'empty-report') });
    store.close();
    assert.equal(r.runs, 0);
    assert.match(r.notes[0]!, /holds no runs/);
    assert.match(r.tables.find((t) => t.id === 'table3')!.missing[0]!, /^No runs for this table: it needs fine-tune/);
    assert.match(readFileSync(join(dir, 'empty-report', 'index.html'), 'utf8'), /holds no runs/);
  });

  it('exits 0 on an empty store and says so', async () => {
    const empty = join(dir, 'empty2.sqlite');
    openResults(empty).close();
    const r = await cli(['--db', empty, '--out', join(dir, 'empty-cli')]);
    assert.equal(r.code, 0);
    assert.match(r.err, /holds no runs/);
    assert.ok(existsSync(join(dir, 'empty-cli', 'index.html')));
  });

  it('keeps going when a table lacks its runs, saying what is missing', () => {
    const t = result.tables.find((x) => x.id === 'table6')!;
    assert.match(t.missing[0]!, /^No runs for this table: it needs CRIS fine-tune/);
    assert.match(read('tables/table6.md'), /Missing: No runs for this table/);
  });

  it('names an output folder it cannot write', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const store = openResults(db, { readonly: true });
    try {
      await assert.rejects(writeReport(store, { out: join(file, 'report') }), { message: `cannot write the report to ${join(file, 'report')}: a parent is a file, not a folder` });
      await assert.rejects(writeReport(store, { out: file }), { message: `cannot write the report to ${file}: it is a file, not a folder` });
    } finally {
      store.close();
    }
  });

  it('names a data root that is not a folder, before writing anything', async () => {
    const target = join(dir, 'never-written');
    await assert.rejects(cli(['demo', '--db', db, '--out', target, '--data-root', join(dir, 'no-such-data')]), { message: `--data-root ${join(dir, 'no-such-data')}: not a folder` });
    assert.equal(existsSync(target), false);
  });

  it('rejects an unknown suite, listing the suites of the store', async () => {
    await assert.rejects(cli(['nosuch', '--db', db, '--out', join(dir, 'x')]), { message: `no runs of suite 'nosuch' in ${db}; its suites: demo, other (give no SUITE to report every run)` });
  });
});

describe('vlsm report demo', () => {
  it('writes the whole folder in seconds', async () => {
    const started = Date.now();
    const r = await cli(['demo', '--db', db, '--out', join(dir, 'demo-report')]);
    assert.equal(r.code, 0);
    assert.match(r.out, /^wrote .*index\.html, README\.md, 8 tables and \d+ figures from 2 run\(s\)/);
    assert.ok(existsSync(join(dir, 'demo-report', 'figures', 'figure-2-prompt-types.svg')));
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
  });
});

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const outLines: string[] = [];
  const errLines: string[] = [];
  const log = mock.method(console, 'log', (...a: unknown[]) => void outLines.push(a.join(' ')));
  const error = mock.method(console, 'error', (...a: unknown[]) => void errLines.push(a.join(' ')));
  try {
    return { code: await runReport(argv), out: outLines.join('\n'), err: errLines.join('\n') };
  } finally {
    log.mock.restore();
    error.mock.restore();
  }
}
