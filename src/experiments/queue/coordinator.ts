// The coordinator of a campaign on a queue: enqueues the runs not done, then writes each result
// as a worker finishes it, until every run is done (or has failed every attempt).
import { setTimeout as sleep } from 'node:timers/promises';
import { bar, StatusLine, type ProgressStream } from '../../progress.js';
import type { ResultsStore } from '../results/index.js';
import { reachRedis } from './reach-redis.js';
import { redactedUrl } from './redis-url.js';
import { jobIdOf, openRunQueue, type RunQueue } from './run-queue.js';
import { sweepPlan, type DependsOn, type PlanState } from './sweep.js';
import type { QueuedRun, RunJobData } from './types.js';

export interface CoordinateOptions<R extends QueuedRun> {
  /** `redis://HOST:PORT`. */
  url: string;
  runs: readonly R[];
  /** The one results store every result is written to. */
  store: ResultsStore;
  suite?: string | null;
  /** Runs a run needs done before it is enqueued (an evaluation of a planned fine-tune). */
  dependsOn?: DependsOn<R>;
  /** Enqueue, import what has arrived, and return without waiting. */
  detach?: boolean;
  /** Tries per run before it counts as failed (default 3). */
  attempts?: number;
  /** The first retry's delay; each later one doubles it (default 30 s). */
  backoffSeconds?: number;
  /** How often Redis is asked for news (default 1000 ms). */
  pollMs?: number;
  /** Stops waiting (as --detach would have) when aborted, e.g. on Ctrl-C. */
  signal?: AbortSignal;
  /** Where the progress line goes (default stderr). */
  progress?: ProgressStream;
  log?: (line: string) => void;
}

export interface CoordinateOutcome {
  total: number;
  done: number;
  /** Results written by this coordinator. */
  imported: number;
  /** Runs enqueued at the start (not counting ones already queued, nor runs added later once the runs they need are done). */
  enqueued: number;
  failed: { hash: string; title: string; reason: string }[];
  /** Neither done nor failed when the coordinator left (detached or stopped). */
  pending: number;
}

const DEFAULT_ATTEMPTS = 3;
const DEFAULT_BACKOFF_S = 30;

/** Adds the runs as jobs (id = hash: a run already queued, running or finished is not added again). */
async function enqueue<R extends QueuedRun>(queue: RunQueue, runs: readonly R[], suite: string | null, attempts: number, backoffSeconds: number): Promise<void> {
  if (runs.length === 0) return;
  await queue.addBulk(runs.map((run) => ({
    name: run.title,
    data: { suite, run } satisfies RunJobData,
    opts: {
      jobId: jobIdOf(run.hash),
      attempts,
      backoff: { type: 'exponential', delay: backoffSeconds * 1000 },
      // Completed jobs keep their result until a coordinator imports it and removes the job.
      removeOnComplete: false,
      removeOnFail: false,
    },
  })));
}

function describe(state: PlanState<QueuedRun>, total: number, started: number, doneAtStart: number): string {
  const done = state.done.length;
  const rate = (done - doneAtStart) / ((Date.now() - started) / 1000);
  const left = total - done - state.failed.length;
  const eta = rate > 0 && left > 0 ? ` · ETA ${formatSeconds(left / rate)}` : '';
  return `runs ${bar(total === 0 ? 1 : done / total)} ${done}/${total} done · ${state.running.length} running · ${state.queued.length + state.missing.length + state.blocked.length} queued · ${state.failed.length} failed${eta}`;
}

export function formatSeconds(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/**
 * Coordinates `runs` over the queue at `url`: imports results that arrived while no coordinator
 * was there, retries runs that had failed, enqueues the runs neither done nor queued, then (unless
 * detached) writes each result as it arrives, with a progress line, until every run is done or
 * has failed all its attempts. An unreachable Redis is a QueueError within seconds.
 */
export async function coordinate<R extends QueuedRun>(o: CoordinateOptions<R>): Promise<CoordinateOutcome> {
  const log = o.log ?? ((line: string) => console.log(line));
  const attempts = o.attempts ?? DEFAULT_ATTEMPTS;
  const backoffSeconds = o.backoffSeconds ?? DEFAULT_BACKOFF_S;
  await reachRedis(o.url);
  let lastError = '';
  const queue = openRunQueue(o.url, (error) => {
    // BullMQ reconnects by itself; say so once per distinct error rather than on every retry.
    if (error.message !== lastError) log(`queue ${redactedUrl(o.url)}: ${(lastError = error.message)} (reconnecting)`);
  });
  const line = new StatusLine(o.progress ?? process.stderr, 10_000);
  let imported = 0;
  let enqueued = 0;
  const report = (state: PlanState<R>): void => {
    imported += state.imported.length;
    for (const { run, worker } of state.imported) log(`done ${run.title} (${run.hash}) by ${worker}`);
  };
  try {
    let state = await sweepPlan(queue, o.store, o.runs, o.dependsOn);
    report(state);
    // A new campaign gives runs that failed before a new set of attempts.
    for (const run of state.failed) {
      const job = await queue.getJob(jobIdOf(run.hash));
      if (job && (await job.getState()) === 'failed') await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    }
    if (state.failed.length > 0) log(`retrying ${state.failed.length} run(s) that had failed`);
    await enqueue(queue, state.missing, o.suite ?? null, attempts, backoffSeconds);
    enqueued = state.missing.length;
    const waiting = state.blocked.length > 0 ? `, ${state.blocked.length} waiting for runs they need` : '';
    log(`${o.runs.length} run(s) on ${redactedUrl(o.url)}: ${state.done.length} done, ${enqueued} enqueued, ${state.running.length + state.queued.length} already queued or running${waiting}`);
    const started = Date.now();
    const doneAtStart = state.done.length;
    state = await sweepPlan(queue, o.store, o.runs, o.dependsOn);
    report(state);
    while (!o.detach && !o.signal?.aborted && state.done.length + state.failed.length < o.runs.length) {
      line.draw(() => describe(state, o.runs.length, started, doneAtStart));
      await sleep(o.pollMs ?? 1000, undefined, { signal: o.signal }).catch(() => undefined);
      state = await sweepPlan(queue, o.store, o.runs, o.dependsOn);
      report(state);
      // Runs whose dependencies are now done, and jobs lost from Redis (restarted without
      // persistence, flushed), are added.
      await enqueue(queue, state.missing, o.suite ?? null, attempts, backoffSeconds);
    }
    line.finish(describe(state, o.runs.length, started, doneAtStart));
    for (const f of state.failed) log(`failed ${f.title} (${f.hash}): ${f.reason}`);
    return {
      total: o.runs.length, done: state.done.length, imported, enqueued,
      failed: state.failed.map((f) => ({ hash: f.hash, title: f.title, reason: f.reason })),
      pending: o.runs.length - state.done.length - state.failed.length,
    };
  } finally {
    await queue.close();
  }
}
