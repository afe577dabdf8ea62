// A table of the report: its data, how it was made, which runs it came from, and what is missing.
import type { RunRecord } from '../experiments/results/index.js';
import type { Table } from './table-format.js';

/** Which runs a table or figure was made from. */
export interface ReportSource {
  suite: string | null;
  runIds: number[];
  /** Distinct vlsm versions and git commits of those runs. */
  vlsmVersions: string[];
  commits: string[];
}

export interface ReportTable {
  /** File stem under tables/ and the anchor in the report ("table3"). */
  id: string;
  title: string;
  caption: string;
  /** How cells were chosen, when a rule was needed (the best-prompt rule). */
  rule?: string;
  table: Table;
  /** Leading columns that name the row; the rest form groups of `groupSpan` columns per header. */
  rowHeaders: number;
  groupSpan: number;
  /** Decimals numbers are shown with on the page (the files keep the numbers as they are). */
  digits?: number;
  source: ReportSource;
  /** Where a table not made from runs comes from (data roots, the prompt rules). */
  from?: string;
  /** What the table lacks (no runs of a kind, cells without a run); empty when complete. */
  missing: string[];
}

/** The source of a table made from `runIds` among `runs`. */
export function sourceOf(suite: string | null, runs: readonly RunRecord[], runIds: Iterable<number>): ReportSource {
  const ids = [...new Set(runIds)].sort((a, b) => a - b);
  const used = runs.filter((r) => ids.includes(r.id));
  const distinct = (values: (string | null)[]): string[] => [...new Set(values.filter((v): v is string => v !== null))].sort();
  return { suite, runIds: ids, vlsmVersions: distinct(used.map((r) => r.vlsmVersion)), commits: distinct(used.map((r) => r.gitCommit)) };
}

/** "suite demo; runs 1, 2, 5; vlsm 0.1.0; commit abc123" ("every suite" when not limited to one). */
export function describeSource(s: ReportSource): string {
  const parts = [s.suite ? `suite ${s.suite}` : 'every suite'];
  parts.push(s.runIds.length ? `run${s.runIds.length > 1 ? 's' : ''} ${s.runIds.join(', ')}` : 'no runs');
  if (s.vlsmVersions.length) parts.push(`vlsm ${s.vlsmVersions.join(', ')}`);
  if (s.commits.length) parts.push(`commit ${s.commits.join(', ')}`);
  return parts.join('; ');
}
