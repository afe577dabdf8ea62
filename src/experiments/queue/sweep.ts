// Where each run of a plan stands: done in the store, or its job's state in Redis. Results that
// workers left in completed jobs are imported on the way, then their jobs removed.
import type { ResultsStore } from '../results/index.js';
import { importRunResult, isDone } from './import-result.js';
import { jobIdOf, type RunQueue } from './run-queue.js';
import type { QueuedRun } from './types.js';

export interface RunFailure {
  hash: string;
  title: string;
  reason: string;
}

export interface PlanState<R extends QueuedRun> {
  /** Done in the results store (imported now or before). */
  done: R[];
  /** Imported by this sweep, with the worker that ran each. */
  imported: { run: R; worker: string }[];
  running: R[];
  /** Waiting, delayed for a retry's backoff, or prioritized. */
  queued: R[];
  failed: (R & { reason: string })[];
  /** Not done and without a job: never enqueued, or the job is gone (Redis restarted empty). */
  missing: R[];
  /** Without a job, waiting for runs they depend on (an evaluation of a fine-tune) to be done. */
  blocked: R[];
}

/** The hashes of the runs a run needs done first (e.g. the fine-tune an evaluation loads). */
export type DependsOn<R extends QueuedRun> = (run: R) => readonly string[];

/**
 * One pass over a plan: imports completed runs' results into `store` (skipping hashes already
 * done there) and removes their jobs, then sorts every run by state.
 */
export async function sweepPlan<R extends QueuedRun>(queue: RunQueue, store: ResultsStore, runs: readonly R[], dependsOn?: DependsOn<R>): Promise<PlanState<R>> {
  const state: PlanState<R> = { done: [], imported: [], running: [], queued: [], failed: [], missing: [], blocked: [] };
  // A job that moves between two of these queries may show in none and count as missing; adding
  // it again is then a no-op (same job id), and the next pass sees it.
  const [completed, failed, active, queued] = await Promise.all([
    queue.getRanges(['completed'], 0, -1),
    queue.getRanges(['failed'], 0, -1),
    queue.getRanges(['active'], 0, -1),
    queue.getRanges(['waiting', 'delayed', 'prioritized'], 0, -1),
  ]).then((lists) => lists.map((ids) => new Set(ids)));
  for (const run of runs) {
    const id = jobIdOf(run.hash);
    let unreadable: string | undefined;
    if (completed!.has(id)) {
      const job = await queue.getJob(id);
      if (job) {
        try {
          const runId = importRunResult(store, run.hash, job.returnvalue);
          // Removed only after the import is committed: a coordinator stopped in between imports
          // nothing twice (the hash is done) and removes the job next time.
          await job.remove();
          if (runId !== null) state.imported.push({ run, worker: job.returnvalue?.worker ?? job.processedBy ?? '?' });
        } catch (error) {
          // Kept in Redis for a look; not re-run, since the same executor would send the same.
          unreadable = `its result could not be imported: ${(error as Error).message}`;
        }
      }
    }
    if (unreadable !== undefined) state.failed.push({ ...run, reason: unreadable });
    else if (isDone(store, run.hash)) state.done.push(run);
    else if (failed!.has(id)) {
      const job = await queue.getJob(id);
      state.failed.push({ ...run, reason: job?.failedReason ?? 'unknown' });
    } else if (active!.has(id)) state.running.push(run);
    else if (queued!.has(id) || completed!.has(id)) state.queued.push(run);
    else state.missing.push(run);
  }
  if (dependsOn) holdBackDependents(state, runs, dependsOn);
  return state;
}

/**
 * Moves the missing runs whose dependencies are not all done to `blocked`, or to `failed` when a
 * dependency failed or is neither done nor in the plan; repeated until chains settle.
 */
function holdBackDependents<R extends QueuedRun>(state: PlanState<R>, runs: readonly R[], dependsOn: DependsOn<R>): void {
  const done = new Set(state.done.map((r) => r.hash));
  const planned = new Set(runs.map((r) => r.hash));
  const failed = new Map(state.failed.map((r) => [r.hash, r.title]));
  let waiting = state.missing;
  state.missing = [];
  for (let changed = true; changed; ) {
    changed = false;
    const next: R[] = [];
    for (const run of waiting) {
      const deps = dependsOn(run).filter((h) => !done.has(h));
      const broken = deps.find((h) => failed.has(h) || !planned.has(h));
      if (broken !== undefined) {
        const why = failed.has(broken) ? `it needs run ${failed.get(broken)} (${broken}), which failed` : `it needs run ${broken}, which is neither done nor in this plan`;
        state.failed.push({ ...run, reason: why });
        failed.set(run.hash, run.title);
        changed = true;
      } else next.push(run);
    }
    waiting = next;
  }
  for (const run of waiting) (dependsOn(run).every((h) => done.has(h)) ? state.missing : state.blocked).push(run);
}
