// What travels through the run queue: a planned run out, its results export back.
import { VlsmError } from '../../errors.js';
import type { ExportDump, ResultsStore } from '../results/index.js';

/** Redis cannot be reached or answers with an error; names the URL and the cause. */
export class QueueError extends VlsmError {
  constructor(message: string, readonly url?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The least the queue needs of a planned run: its identity (the hash of its resolved config) and a
 * title for logs. The rest (kind, config, study fields) travels as JSON to the worker's executor.
 */
export interface QueuedRun {
  hash: string;
  title: string;
}

/** Where and how a worker executes runs; handed to the executor with each run. */
export interface WorkerContext {
  /** Checkpoints and masks go under `artifactsDir/<hash>/`; shared in a cluster, so a run resumes anywhere. */
  artifactsDir: string;
  dataRoot?: string;
  device?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/**
 * Executes one run into `store` (a fresh SQLite file of the worker's) and returns the id of its
 * 'done' run there, which must carry the run's hash (`runHash`). Should stop early when `signal`
 * aborts, leaving its checkpoints for whoever takes the run next.
 */
export type RunExecutor<R extends QueuedRun> = (run: R, context: WorkerContext & { store: ResultsStore }) => Promise<number>;

/** A job's payload: the run, and the suite that asked for it (for logs). */
export interface RunJobData<R extends QueuedRun = QueuedRun> {
  suite: string | null;
  run: R;
}

/** A job's return value: kept by BullMQ with the completed job until a coordinator imports it. */
export interface RunJobResult {
  hash: string;
  /** `host:pid` of the worker that executed the run. */
  worker: string;
  /** The run's results export (`exportDump` of its one run): summary, items, epochs. */
  dump: ExportDump;
}
