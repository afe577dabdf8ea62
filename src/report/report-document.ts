// What a report holds, before it is written as HTML or markdown: its header, the runs, the tables
// and the figures, each with where it came from.
import type { RunRecord } from '../experiments/results/index.js';
import type { ReportFigure } from './figures/index.js';
import { sourceOf, type ReportSource, type ReportTable } from './report-table.js';

export interface ReportDocument {
  suite: string | null;
  storePath: string;
  generatedAt: string;
  /** The vlsm that wrote the report. */
  vlsmVersion: string;
  commit: string | null;
  runCount: number;
  /** Sentences for the top of the report (an empty store, a figure builder that failed). */
  notes: string[];
  runs: ReportTable;
  tables: ReportTable[];
  figures: ReportFigure[];
  /** Each figure's source, by figure id. */
  figureSources: Map<string, ReportSource>;
}

/** The runs the report draws from, one line each. */
export function runsTable(runs: readonly RunRecord[], suite: string | null): ReportTable {
  const list = (v: readonly string[] | null): string | null => (v && v.length ? v.join(', ') : null);
  return {
    id: 'runs', title: 'Runs',
    caption: 'Every run of the report, oldest first: its kind, model, how it was trained and tested, and its status. Only finished runs (done) enter the tables.',
    table: {
      columns: ['id', 'kind', 'model', 'setting', 'trained on', 'tested on', 'frozen', 'prompt type', 'status', 'items', 'vlsm', 'commit'],
      rows: runs.map((r) => [r.id, r.kind, r.model ?? r.family, r.setting, list(r.trainedOn), list(r.testedOn), list(r.frozen), r.promptType, r.status, r.items, r.vlsmVersion, r.gitCommit]),
    },
    rowHeaders: 1, groupSpan: 1,
    source: sourceOf(suite, runs, runs.map((r) => r.id)),
    missing: runs.length ? [] : ['The results store holds no runs' + (suite ? ` of suite ${suite}` : '') + '.'],
  };
}

/** The anchor and file stem of every section, in order: runs, tables, figures. */
export function contents(doc: ReportDocument): { id: string; title: string }[] {
  return [doc.runs, ...doc.tables, ...doc.figures].map((s) => ({ id: s.id, title: s.title }));
}
