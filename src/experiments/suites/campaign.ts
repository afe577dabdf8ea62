// A suite's campaign on this machine: what of the plan is done, running, failed or queued (from
// the results store, by run hash), what the rest should cost from measured run times, and the
// in-process runner that skips finished runs and resumes interrupted fine-tunes.
import { isAbandoned, type ResultsStore, type RunRecord } from '../results/index.js';
import { executePlannedRun, RunInterruptedError } from './execute.js';
import type { SuitePlan } from './expand.js';
import { makeSuiteData } from './suite-data.js';
import type { PlannedRun } from './types.js';

export type PlannedRunState = 'done' | 'running' | 'failed' | 'queued';

export interface RunProgress {
  run: PlannedRun;
  state: PlannedRunState;
  /** The stored run that decides the state (the done one, else the newest attempt). */
  record?: RunRecord;
}

/** The state of every planned run: done (a 'done' run with its hash), running, failed (its newest attempt failed or was killed), queued. */
export function campaignProgress(plan: SuitePlan, store: ResultsStore): RunProgress[] {
  const byHash = new Map<string, RunRecord[]>();
  for (const r of store.listRuns()) {
    if (r.runHash === null) continue;
    const list = byHash.get(r.runHash);
    if (list) list.push(r);
    else byHash.set(r.runHash, [r]);
  }
  return plan.runs.map((run) => {
    const attempts = byHash.get(run.hash) ?? [];
    const done = attempts.find((r) => r.status === 'done');
    if (done) return { run, state: 'done', record: done };
    const newest = attempts.reduce<RunRecord | undefined>((a, r) => (a === undefined || r.id > a.id ? r : a), undefined);
    if (newest === undefined) return { run, state: 'queued' };
    if (newest.status === 'running' && !isAbandoned(newest)) return { run, state: 'running', record: newest };
    return { run, state: 'failed', record: newest };
  });
}

/** Median seconds of finished runs of one kind and model family in the store. */
export interface MeasuredCost {
  kind: string;
  family: string;
  runs: number;
  /** Runs of this kind and family the estimate is measured from (0: no estimate). */
  measured: number;
  medianS: number | null;
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * The cost of `runs` from the durations of finished runs of the same kind and family already in
 * the store (any suite, this machine's or others'): per group, the median times the count.
 */
export function estimateCost(runs: readonly PlannedRun[], store: ResultsStore): { groups: MeasuredCost[]; totalS: number; unknownRuns: number } {
  const durations = new Map<string, number[]>();
  for (const r of store.listRuns({ status: 'done' })) {
    if (r.durationS === null || r.family === null) continue;
    const key = `${r.kind}\u0000${r.family}`;
    (durations.get(key) ?? durations.set(key, []).get(key)!).push(r.durationS);
  }
  const counts = new Map<string, number>();
  for (const run of runs) {
    const key = `${run.kind}\u0000${run.study.family}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const groups: MeasuredCost[] = [...counts].map(([key, n]) => {
    const [kind, family] = key.split('\u0000') as [string, string];
    const measured = durations.get(key) ?? [];
    return { kind, family, runs: n, measured: measured.length, medianS: median(measured) };
  });
  return {
    groups,
    totalS: groups.reduce((t, g) => t + (g.medianS ?? 0) * g.runs, 0),
    unknownRuns: groups.reduce((t, g) => t + (g.medianS === null ? g.runs : 0), 0),
  };
}

export interface CampaignOptions {
  store: ResultsStore;
  artifactsDir: string;
  dataRoot: string;
  log?: (line: string) => void;
  progress?: boolean;
  signal?: AbortSignal;
  /** Run at most this many runs, then stop (the rest stay queued). */
  limit?: number;
  /** Called after each run with the plan's progress. */
  onRun?: (progress: RunProgress[]) => void;
}

export interface CampaignResult {
  ran: number;
  skipped: number;
  failed: { run: PlannedRun; error: string }[];
  interrupted: boolean;
}

/**
 * Runs every planned run not done yet, in plan order (robustness after the fine-tunes it reads).
 * A failed run is recorded and the campaign goes on; an interrupted one (the signal) stops it.
 * Killed and restarted, it skips what is done and resumes fine-tunes from their checkpoints.
 */
export async function runCampaign(plan: SuitePlan, o: CampaignOptions): Promise<CampaignResult> {
  const log = o.log ?? ((line: string) => console.log(line));
  await makeSuiteData(plan.suite, o.dataRoot, log);
  const reaped = o.store.reapKilledRuns();
  if (reaped.length > 0) log(`marked ${reaped.length} run(s) of an earlier, killed process as killed: ${reaped.join(', ')}`);
  const order = [...plan.runs].sort((a, b) => Number(a.kind === 'robustness') - Number(b.kind === 'robustness'));
  const result: CampaignResult = { ran: 0, skipped: 0, failed: [], interrupted: false };
  const states = new Map(campaignProgress(plan, o.store).map((p) => [p.run.hash, p.state]));
  for (const run of order) {
    if (states.get(run.hash) === 'done') {
      result.skipped++;
      continue;
    }
    if (o.limit !== undefined && result.ran >= o.limit) break;
    if (o.signal?.aborted) {
      result.interrupted = true;
      break;
    }
    log(`[${run.hash.slice(0, 12)}] ${run.title}`);
    try {
      await executePlannedRun(run, { store: o.store, artifactsDir: o.artifactsDir, dataRoot: o.dataRoot, log, progress: o.progress, signal: o.signal });
      result.ran++;
    } catch (error) {
      if (error instanceof RunInterruptedError) {
        result.interrupted = true;
        break;
      }
      const message = (error as Error).message;
      log(`failed: ${run.title}: ${message}`);
      result.failed.push({ run, error: message });
    }
    o.onRun?.(campaignProgress(plan, o.store));
  }
  return result;
}
