// The results-store rows a model card reports: the newest finished finetune run whose config
// wrote to this run folder, and its test Dice and IoU per dataset (the prompt type's rows at the
// images' original size, as the paper's tables).
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { openResults, type RunRecord, type SummaryRow } from '../results/index.js';

export interface RunResults {
  store: string;
  run: RunRecord;
  /** Test rows at original resolution for the run's prompt type (one per dataset). */
  tests: SummaryRow[];
}

const canonical = (path: string): string => (existsSync(path) ? realpathSync(path) : resolve(path));

/** The run of `storePath` that trained into `runDir`, with its test scores; undefined when the store has none. */
export function findRunResults(storePath: string, runDir: string): RunResults | undefined {
  if (!existsSync(storePath)) return undefined;
  const store = openResults(storePath);
  try {
    const target = canonical(runDir);
    const runs = store.listRuns({ kind: 'finetune' }).filter((r) => {
      const out = (r.config as { out?: unknown } | null)?.out;
      return typeof out === 'string' && canonical(out) === target;
    });
    const run = runs.find((r) => r.status === 'done') ?? runs[0];
    if (!run) return undefined;
    const prompt = String((run.config as { prompt?: unknown }).prompt ?? run.promptType ?? '').toUpperCase();
    const tests = store.runSummary(run.id).filter((row) => row.split === 'test' && row.resolution === 'original' && (prompt === '' || row.prompt === prompt));
    return { store: storePath, run, tests };
  } finally {
    store.close();
  }
}
