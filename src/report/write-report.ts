// `vlsm report`: a self-contained folder from a results store — index.html and README.md (the
// same content), tables/<id>.{md,csv,tex} and figures/ (the figure builder's SVG, PNG and CSV).
// A table whose runs are missing says so instead of failing the report.
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { ConfigError } from '../errors.js';
import { gitCommit, vlsmVersion, type ResultsStore } from '../experiments/results/index.js';
import { datasetTable, findDatasetRoots } from './dataset-table.js';
import { buildFigures, type ReportFigure } from './figures/index.js';
import { loadPaperResults } from './paper-results.js';
import { promptTable } from './prompt-table.js';
import { renderHtml } from './report-html.js';
import { renderMarkdown } from './report-markdown.js';
import { runsTable, type ReportDocument } from './report-document.js';
import { describeSource, sourceOf, type ReportTable } from './report-table.js';
import { studyCells } from './study-cells.js';
import { studyTables } from './study-tables.js';
import { toCsv, toMarkdown } from './table-format.js';
import { toLatex } from './table-latex.js';

export interface ReportOptions {
  /** Only runs of this suite; every run when omitted. */
  suite?: string;
  /** The report folder; created if needed. */
  out: string;
  /** Folders holding datasets in the reference layout (Table 1's counts, the figures' images). */
  dataRoots?: readonly string[];
  /** Seed of the figures' bootstrap and random image choices. */
  seed?: number;
  /** Draw the figures (default true). */
  figures?: boolean;
}

export interface ReportResult {
  out: string;
  /** Files written, relative to `out`, sorted. */
  files: string[];
  runs: number;
  tables: ReportTable[];
  figures: ReportFigure[];
  notes: string[];
}

/** Creates `out` (and parents) or fails with an error naming it and why. */
export function prepareReportFolder(out: string): void {
  if (existsSync(out) && !statSync(out).isDirectory()) throw new ConfigError(`cannot write the report to ${out}: it is a file, not a folder`, out);
  try {
    mkdirSync(out, { recursive: true });
    accessSync(out, constants.W_OK);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const reason = e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.code === 'ENOTDIR' ? 'a parent is a file, not a folder' : e.code === 'EROFS' ? 'read-only file system' : e.message;
    throw new ConfigError(`cannot write the report to ${out}: ${reason}`, out, undefined, { cause: error });
  }
}

/** The runs of `suite` (every run without one), oldest first; an unknown suite is an error listing the known ones. */
function reportRuns(store: ResultsStore, suite: string | undefined) {
  const all = store.listRuns().reverse();
  if (suite === undefined || all.length === 0) return all;
  const runs = all.filter((r) => r.suite === suite);
  if (runs.length === 0) {
    const suites = [...new Set(all.map((r) => r.suite).filter((s): s is string => s !== null))].sort();
    throw new ConfigError(
      `no runs of suite '${suite}' in ${store.path}; ${suites.length ? `its suites: ${suites.join(', ')}` : 'its runs belong to no suite'} (give no SUITE to report every run)`,
      store.path, 'SUITE',
    );
  }
  return runs;
}

function tableFiles(t: ReportTable): Record<string, string> {
  const made = `Made from: ${t.from ?? describeSource(t.source)}.`;
  const notes = [t.caption, ...(t.rule ? [`Rule: ${t.rule}`] : []), made, ...t.missing.map((m) => `Missing: ${m}`)];
  return {
    [`tables/${t.id}.csv`]: toCsv(t.table),
    [`tables/${t.id}.md`]: `# ${t.title}\n\n${notes.join('\n\n')}\n\n${toMarkdown(t.table)}`,
    [`tables/${t.id}.tex`]: `% ${t.title}\n% ${made}\n${toLatex(t.table, { caption: `${t.title}. ${notes.join(' ')}`, label: t.id })}`,
  };
}

export async function writeReport(store: ResultsStore, o: ReportOptions): Promise<ReportResult> {
  const suite = o.suite ?? null;
  const runs = reportRuns(store, o.suite);
  const roots = findDatasetRoots(o.dataRoots ?? []);
  prepareReportFolder(o.out);
  const notes: string[] = [];
  if (runs.length === 0) notes.push(`The results store ${store.path} holds no runs: the tables show the paper's numbers alone and there are no figures.`);
  const tables = [await datasetTable(o.dataRoots ?? []), promptTable(), ...studyTables(studyCells(store, runs), loadPaperResults(), suite, runs)];

  let figures: ReportFigure[] = [];
  if (o.figures !== false && runs.length > 0) {
    const dataRoots = Object.fromEntries([...roots].flatMap(([name, dir]) => [[name, dir], [basename(dir), dir]]));
    try {
      figures = await buildFigures(store, { ...(o.suite ? { suite: o.suite } : {}), outDir: join(o.out, 'figures'), seed: o.seed ?? 0, dataRoots });
    } catch (error) {
      notes.push(`The figures could not be drawn: ${(error as Error).message}`);
    }
  }

  const doc: ReportDocument = {
    suite, storePath: store.path, generatedAt: new Date().toISOString(), vlsmVersion: vlsmVersion(), commit: gitCommit(), runCount: runs.length, notes,
    runs: runsTable(runs, suite), tables, figures,
    figureSources: new Map(figures.map((f) => [f.id, sourceOf(suite, runs, f.runIds)])),
  };
  const files: Record<string, string> = { 'index.html': renderHtml(doc), 'README.md': renderMarkdown(doc) };
  for (const t of [doc.runs, ...tables]) Object.assign(files, tableFiles(t));
  for (const [name, text] of Object.entries(files)) writeFileAtomic(join(o.out, name), text);
  const figureFiles = figures.flatMap((f) => [f.svg, f.png, f.csv]).filter((p): p is string => p !== null && existsSync(join(o.out, p)));
  return { out: o.out, files: [...Object.keys(files), ...figureFiles].sort(), runs: runs.length, tables, figures, notes };
}
