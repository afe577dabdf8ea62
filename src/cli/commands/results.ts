// `vlsm results list|show|export`: read the results database that finetune / eval / zeroshot write
// (src/experiments/results/) and print or export it, including in the paper's layout and
// against the paper's own numbers (src/report/tables.ts).
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../../errors.js';
import { writeFileAtomic } from '../../eval/per-image-csv.js';
import {
  importRuns, isAbandoned, openResults, resultsPath, RUN_KINDS, RUN_STATUSES, type ResultsStore, type RunFilter, type RunKind, type RunRecord, type RunStatus,
} from '../../experiments/results/index.js';
import { loadPaperResults, PAPER_TABLES } from '../../report/paper-results.js';
import { exportRuns } from '../../report/results-export.js';
import { checkFormat, renderTable, TABLE_FORMATS, type Table, type TableFormat } from '../../report/table-format.js';
import { studyCells } from '../../report/study-cells.js';
import { STUDY_TABLES, studyTables, type StudyTableId } from '../../report/study-tables.js';
import { cellsFromSummaries, compareWithPaper, runTable } from '../../report/tables.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const LAYOUTS = ['default', 'items', 'summary', 'paper', 'compare'] as const;
type Layout = (typeof LAYOUTS)[number];

const USAGE = `usage:
  vlsm results list [--db PATH] [--kind K] [--status S] [--model M] [--limit N] [--format md|csv|json]
      the runs, newest first: id, kind, model, status, start, duration, items
  vlsm results show RUN_ID [--db PATH] [--format md|csv|json] [--epochs] [--config]
      one run: provenance, then Dice and IoU mean ± std (×100) per dataset × split × prompt
  vlsm results export --format csv|md|json [--out FILE] [--db PATH] [--run ID]... [--kind K]
                      [--model M] [--suite S] [--layout default|items|summary|paper|compare] [--paper-table T]...
      default layout: json = every run with config, items and epochs; csv = one line per item;
      md = the summary per run. paper = the paper's tables as \`vlsm report\` writes them, each
      cell beside the paper's number (Table 3 by setting with the best prompt per VLSM cell,
      Table 4, Tables 6 and 7 rows dataset × columns prompt, zero-shot); --paper-table
      table3|table4|table6|table7|zeroshot picks them (default: those with runs; csv takes one).
      compare = our finetuned cells beside the paper's (assets/paper-results) where model,
      dataset and prompt match; --paper-table table3|table4|table6|table7|table8 picks tables
      (default: all, Table 4 only where trained on = tested on).
  vlsm results import FILE.json [--db PATH]
      adds the runs of a JSON export (e.g. from another machine) under new ids

The database is --db, else $VLSM_RESULTS, else ./vlsm-results.sqlite.`;

const COMMON: Options = {
  db: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};
/** list, show and export print tables; import prints none, so it has no --format. */
const FORMAT: Options = { format: { type: 'string' } };

export async function runResults(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    (sub === undefined ? console.error : console.log)(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'list') return list(rest);
  if (sub === 'show') return show(rest);
  if (sub === 'export') return exportResults(rest);
  if (sub === 'import') return importResults(rest);
  console.error(`vlsm results: unknown subcommand '${sub}'; expected list, show, export or import\n\n${USAGE}`);
  return 2;
}

function parse(op: string, args: string[], options: Options): { values: Record<string, unknown>; positionals: string[] } | undefined {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: true });
  } catch (error) {
    console.error(`vlsm results ${op}: ${(error as Error).message}\n\n${USAGE}`);
    return undefined;
  }
}

/** A value from a fixed list, or an error message listing the choices. */
function choice<T extends string>(op: string, flag: string, value: unknown, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly unknown[]).includes(value)) throw new TypeError(`vlsm results ${op}: --${flag} '${String(value)}' is not one of ${choices.join(', ')}`);
  return value as T;
}

function filterFrom(op: string, v: Record<string, unknown>): RunFilter {
  const filter: RunFilter = {};
  const kind = choice<RunKind>(op, 'kind', v.kind, RUN_KINDS);
  const status = choice<RunStatus>(op, 'status', v.status, RUN_STATUSES);
  if (kind) filter.kind = kind;
  if (status) filter.status = status;
  if (typeof v.model === 'string') filter.model = v.model;
  if (typeof v.suite === 'string') filter.suite = v.suite;
  if (v.limit !== undefined) filter.limit = positiveInteger(op, 'limit', v.limit as string);
  if (Array.isArray(v.run)) filter.ids = (v.run as string[]).map((id) => positiveInteger(op, 'run', id));
  return filter;
}

function positiveInteger(op: string, flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`vlsm results ${op}: --${flag} '${text}' is not a positive integer`);
  return n;
}

function withStore<T>(v: Record<string, unknown>, fn: (store: ResultsStore) => T): T {
  const store = openResults(resultsPath(v.db as string | undefined), { readonly: true });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

const seconds = (s: number | null): string => {
  if (s === null) return '';
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
};

function runsTable(runs: readonly RunRecord[]): Table {
  return {
    columns: ['id', 'kind', 'model', 'status', 'started', 'duration', 'items', 'name'],
    rows: runs.map((r) => [r.id, r.kind, r.model, isAbandoned(r) ? 'running (process gone)' : r.status, r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), seconds(r.durationS), r.items, r.name]),
  };
}

async function list(args: string[]): Promise<number> {
  const parsed = parse('list', args, { ...FORMAT, kind: { type: 'string' }, status: { type: 'string' }, model: { type: 'string' }, limit: { type: 'string' } });
  if (!parsed) return 2;
  if (parsed.values.help) return (console.log(USAGE), 0);
  if (parsed.positionals.length > 0) {
    console.error(`vlsm results list: unexpected argument '${parsed.positionals[0]}'\n\n${USAGE}`);
    return 2;
  }
  const format = checkFormat((parsed.values.format as string | undefined) ?? 'md', 'vlsm results list --format');
  const filter = filterFrom('list', parsed.values);
  const runs = withStore(parsed.values, (store) => store.listRuns(filter));
  if (format === 'json') console.log(JSON.stringify(runs, null, 2));
  else if (runs.length === 0) console.log('no runs' + (Object.keys(filter).length ? ' match' : ' yet'));
  else process.stdout.write(renderTable(runsTable(runs), format));
  return 0;
}

async function show(args: string[]): Promise<number> {
  const parsed = parse('show', args, { ...FORMAT, epochs: { type: 'boolean' }, config: { type: 'boolean' } });
  if (!parsed) return 2;
  if (parsed.values.help) return (console.log(USAGE), 0);
  if (parsed.positionals.length !== 1) {
    console.error(`vlsm results show: expected one RUN_ID, got ${parsed.positionals.length}\n\n${USAGE}`);
    return 2;
  }
  const id = positiveInteger('show', 'RUN_ID', parsed.positionals[0]);
  const format = checkFormat((parsed.values.format as string | undefined) ?? 'md', 'vlsm results show --format');
  const { run, summary, epochs } = withStore(parsed.values, (store) => ({ run: store.getRun(id), summary: store.runSummary(id), epochs: store.epochs(id) }));
  if (format === 'json') {
    console.log(JSON.stringify({ run, summary, ...(parsed.values.epochs ? { epochs } : {}) }, (_k, v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? null : v), 2));
    return 0;
  }
  if (format === 'md') {
    const m = run.machine;
    const lines = [
      `run ${run.id}: ${run.kind}${run.model ? ` ${run.model}` : ''}${run.name ? ` "${run.name}"` : ''}, ${run.status}`,
      `started ${run.startedAt}${run.finishedAt ? `, finished ${run.finishedAt} (${seconds(run.durationS)})` : ''}`,
      `vlsm ${run.vlsmVersion}${run.gitCommit ? ` (${run.gitCommit})` : ''}; ${m.hostname}, ${m.cpus} CPUs, ${m.os}${m.libtorchVersion ? `, libtorch ${m.libtorchVersion}` : ''}`,
    ];
    if (run.error) lines.push(`error: ${run.error}`);
    console.log(lines.join('\n') + '\n');
    if (parsed.values.config) console.log('config:\n' + JSON.stringify(run.config, null, 2) + '\n');
  }
  process.stdout.write(summary.length ? renderTable(runTable(summary), format) : 'no items stored for this run\n');
  if (parsed.values.epochs && epochs.length) {
    const table: Table = {
      columns: ['epoch', 'step', 'train_loss', 'val_dice', 'val_loss', 'lr', 'seconds'],
      rows: epochs.map((e) => [e.epoch, e.step, e.trainLoss, e.valDice, e.valLoss, e.lr, e.seconds]),
    };
    process.stdout.write('\n' + renderTable(table, format));
  }
  return 0;
}

/** The export text for a layout (see USAGE). */
export function exportText(store: ResultsStore, format: TableFormat, layout: Layout, filter: RunFilter, paperTables?: readonly string[]): string {
  if (layout === 'default') return exportRuns(store, format, filter);
  const runs = store.listRuns(filter).reverse();
  if (layout === 'items') {
    if (format === 'json') return JSON.stringify(store.itemMetrics(runs.map((r) => r.id)), (_k, v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? null : v), 2) + '\n';
    return renderItems(store, runs, format);
  }
  if (layout === 'paper') return paperTablesText(store, runs, format, filter.suite ?? null, paperTables as readonly StudyTableId[] | undefined);
  const summaries = runs.flatMap((r) => store.runSummary(r.id));
  if (layout === 'summary') return renderTable(runTable(summaries), format);
  const cells = cellsFromSummaries(summaries.filter((s) => s.model !== null));
  return renderTable(compareWithPaper(cells, loadPaperResults(), paperTables ? { tables: paperTables } : {}), format);
}

/** The paper's tables from `runs` (src/report/study-tables.ts): md one after another, json keyed by table, csv one table. */
function paperTablesText(store: ResultsStore, runs: readonly RunRecord[], format: TableFormat, suite: string | null, chosen?: readonly StudyTableId[]): string {
  const all = studyTables(studyCells(store, runs), loadPaperResults(), suite, runs, chosen ?? STUDY_TABLES);
  const tables = chosen ? all : all.filter((t) => t.source.runIds.length > 0);
  if (tables.length === 0) throw new ConfigError(`vlsm results export --layout paper: no run fills any of the paper's tables (${STUDY_TABLES.join(', ')}); see vlsm results list`);
  if (format === 'csv') {
    if (tables.length > 1) {
      throw new TypeError(`vlsm results export --layout paper --format csv writes one table; choose it with --paper-table (${chosen ? 'tables chosen' : 'tables with runs'}: ${tables.map((t) => t.id).join(', ')})`);
    }
    return renderTable(tables[0]!.table, 'csv');
  }
  if (format === 'json') {
    return JSON.stringify(Object.fromEntries(tables.map((t) => [t.id, { title: t.title, rule: t.rule ?? null, source: t.source, missing: t.missing, rows: JSON.parse(renderTable(t.table, 'json')) as unknown }])), null, 2) + '\n';
  }
  return tables
    .map((t) => [`## ${t.title}`, ...(t.rule ? [`Rule: ${t.rule}`] : []), ...t.missing.map((m) => `Missing: ${m}`), renderTable(t.table, 'md')].join('\n\n'))
    .join('\n');
}

function renderItems(store: ResultsStore, runs: readonly RunRecord[], format: TableFormat): string {
  if (format === 'csv') return exportRuns(store, 'csv', { ids: runs.map((r) => r.id) });
  const items = store.itemMetrics(runs.map((r) => r.id));
  const table: Table = {
    columns: ['run', 'dataset', 'split', 'prompt', 'image', 'class', 'resolution', 'dice', 'iou'],
    rows: items.map((m) => [m.runId, m.dataset, m.split, m.prompt, m.imageId, m.className, m.resolution, m.dice, m.iou]),
  };
  return renderTable(table, format);
}

async function exportResults(args: string[]): Promise<number> {
  const parsed = parse('export', args, {
    ...FORMAT, out: { type: 'string' }, run: { type: 'string', multiple: true }, kind: { type: 'string' }, status: { type: 'string' },
    model: { type: 'string' }, suite: { type: 'string' }, limit: { type: 'string' }, layout: { type: 'string' }, 'paper-table': { type: 'string', multiple: true },
  });
  if (!parsed) return 2;
  if (parsed.values.help) return (console.log(USAGE), 0);
  if (parsed.positionals.length > 0) {
    console.error(`vlsm results export: unexpected argument '${parsed.positionals[0]}'\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.format === undefined) {
    console.error(`vlsm results export: --format is required (${TABLE_FORMATS.join(', ')})\n\n${USAGE}`);
    return 2;
  }
  const format = checkFormat(parsed.values.format as string, 'vlsm results export --format');
  const layout = choice<Layout>('export', 'layout', parsed.values.layout, LAYOUTS) ?? 'default';
  const filter = filterFrom('export', parsed.values);
  const paperTables = parsed.values['paper-table'] as string[] | undefined;
  for (const t of paperTables ?? []) choice('export', 'paper-table', t, layout === 'paper' ? STUDY_TABLES : PAPER_TABLES);
  const text = withStore(parsed.values, (store) => exportText(store, format, layout, filter, paperTables));
  const out = parsed.values.out as string | undefined;
  if (out) {
    writeFileAtomic(out, text);
    console.error(`wrote ${out}`);
  } else process.stdout.write(text);
  return 0;
}

async function importResults(args: string[]): Promise<number> {
  const parsed = parse('import', args, {});
  if (!parsed) return 2;
  if (parsed.values.help) return (console.log(USAGE), 0);
  if (parsed.positionals.length !== 1) {
    console.error(`vlsm results import: expected one FILE.json, got ${parsed.positionals.length}\n\n${USAGE}`);
    return 2;
  }
  const file = parsed.positionals[0];
  let dump: unknown;
  try {
    dump = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`vlsm results import: cannot read ${file}: ${(error as Error).message}`, file, undefined, { cause: error });
  }
  const path = resultsPath(parsed.values.db as string | undefined);
  const store = openResults(path);
  try {
    const ids = importRuns(store, dump, file);
    console.log(`imported ${ids.size} run(s) from ${file} into ${path}: ${[...ids].map(([from, to]) => `${from} → ${to}`).join(', ')}`);
  } finally {
    store.close();
  }
  return 0;
}
