// A worker: takes runs from the queue, executes each (in a child process) into a temporary
// results store of its own, and returns the run's export through the queue for the coordinator to
// write into the one store.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { ConfigError, VlsmError } from '../../errors.js';
import { exportDump, openResults } from '../results/index.js';
import { reachRedis } from './reach-redis.js';
import { redactedUrl, redisOptions } from './redis-url.js';
import { runInChild, type ExecutorRef } from './run-in-child.js';
import { RUN_QUEUE } from './run-queue.js';
import { QueueError, type QueuedRun, type RunJobData, type RunJobResult } from './types.js';

export interface RunWorkerOptions {
  url: string;
  /** The module and export name of the RunExecutor; each run imports it in a fresh child process. */
  executor: ExecutorRef;
  /** Runs executed at once (default 1). */
  concurrency?: number;
  /** Where runs keep checkpoints and masks, under `<dir>/<hash>/` (default ./vlsm-artifacts). */
  artifactsDir?: string;
  dataRoot?: string;
  device?: string;
  /**
   * How long a run stays claimed without its worker renewing the claim (default 60 s): a worker
   * that dies loses its run to another worker after about this long (plus half of it, the stall
   * check's interval). Runs execute in child processes, so their native work cannot delay renewals.
   */
  lockSeconds?: number;
  log?: (line: string) => void;
}

export interface RunWorker {
  /** `host:pid`, stored with each job it takes. */
  name: string;
  /**
   * Stops taking runs; asks the running ones to stop at their next checkpoint and gives them back
   * to the queue (another worker resumes them), or lets them finish if they do not stop.
   */
  shutdown(): Promise<void>;
  /** Resolves once the worker has stopped. */
  closed: Promise<void>;
}

const DEFAULT_LOCK_S = 60;
// Each death of a worker holding a run counts one stall; beyond this many the run fails.
const MAX_STALLS = 5;

/** A folder under the system temp dir for one run's store; removed once the result is out. */
function scratchStore(): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vlsm-worker-'));
  return { dir, path: join(dir, 'run.sqlite') };
}

/**
 * Connects (a QueueError within seconds if Redis is unreachable) and starts taking runs. Failed
 * runs go back to the queue for their remaining attempts (with backoff), except config errors,
 * which fail at once since every worker would fail them the same way.
 */
export async function startRunWorker<R extends QueuedRun = QueuedRun>(o: RunWorkerOptions): Promise<RunWorker> {
  const log = o.log ?? ((line: string) => console.log(line));
  await reachRedis(o.url);
  const name = `${hostname()}:${process.pid}`;
  const artifactsDir = resolve(o.artifactsDir ?? 'vlsm-artifacts');
  try {
    mkdirSync(artifactsDir, { recursive: true });
  } catch (error) {
    throw new ConfigError(`--artifacts ${artifactsDir}: cannot create it (${(error as Error).message})`, undefined, '--artifacts', { cause: error });
  }
  const stopping = new AbortController();
  const lockDuration = (o.lockSeconds ?? DEFAULT_LOCK_S) * 1000;

  const processRun = async (job: Job<RunJobData<R>, RunJobResult>, token?: string, signal?: AbortSignal): Promise<RunJobResult> => {
    const { run } = job.data;
    const both = AbortSignal.any([stopping.signal, ...(signal ? [signal] : [])]);
    log(`run ${run.hash} started: ${run.title} (attempt ${job.attemptsMade + 1}${job.stalledCounter > 0 ? `, taken over from a worker that stopped` : ''})`);
    const scratch = scratchStore();
    let store: ReturnType<typeof openResults> | undefined;
    try {
      const runId = await runInChild(o.executor, run, scratch.path, { artifactsDir, dataRoot: o.dataRoot, device: o.device }, both, log);
      store = openResults(scratch.path);
      if (both.aborted && store.getRun(runId).status !== 'done') throw new Error('stopped');
      const dump = exportDump(store, { ids: [runId] });
      if (dump.runs[0]?.status !== 'done') throw new VlsmError(`run ${run.hash}: the executor returned run ${runId}, which is '${dump.runs[0]?.status ?? 'missing'}', not 'done'`);
      log(`run ${run.hash} finished: ${run.title}`);
      return { hash: run.hash, worker: name, dump };
    } catch (error) {
      if (both.aborted) {
        // Back to the queue without using an attempt; its checkpoints stay in the artifacts folder.
        await job.moveToWait(token);
        log(`run ${run.hash} given back to the queue: ${run.title}`);
        throw new WaitingError();
      }
      const message = `worker ${name} (--data-root ${o.dataRoot ?? 'not given'}, --artifacts ${artifactsDir}): ${(error as Error).message}`;
      log(`run ${run.hash} failed: ${message}`);
      // Every worker would fail a bad config the same way.
      if ((error as Error).name === 'ConfigError') throw new UnrecoverableError(message);
      throw new Error(message, { cause: error });
    } finally {
      store?.close();
      rmSync(scratch.dir, { recursive: true, force: true });
    }
  };

  let lastError = '';
  const worker = new Worker<RunJobData<R>, RunJobResult>(RUN_QUEUE, processRun, {
    connection: redisOptions(o.url),
    name,
    concurrency: o.concurrency ?? 1,
    lockDuration,
    stalledInterval: lockDuration / 2,
    maxStalledCount: MAX_STALLS,
    autorun: false,
  });
  worker.on('error', (error) => {
    if (error.message !== lastError) log(`queue ${redactedUrl(o.url)}: ${(lastError = error.message)} (reconnecting)`);
  });
  const closed = worker.run().catch((error: unknown) => {
    throw new QueueError(`worker on ${redactedUrl(o.url)} stopped: ${(error as Error).message}`, redactedUrl(o.url), { cause: error });
  });
  await worker.waitUntilReady();
  log(`worker ${name} on ${redactedUrl(o.url)}: ${o.concurrency ?? 1} at a time, device ${o.device ?? 'default'}, artifacts ${artifactsDir}${o.dataRoot ? `, data root ${o.dataRoot}` : ''}`);
  let shutdown: Promise<void> | undefined;
  return {
    name,
    closed: closed.then(() => undefined),
    shutdown: () => {
      shutdown ??= (async () => {
        stopping.abort();
        await worker.close();
        await closed;
      })();
      return shutdown;
    },
  };
}
