// A worker's run export written into the one results store, at most once per run hash.
import { importRuns, type ResultsStore } from '../results/index.js';
import { QueueError, type RunJobResult } from './types.js';

/** Whether the store holds a 'done' run with this hash. */
export function isDone(store: ResultsStore, hash: string): boolean {
  return store.listRuns({ runHash: hash, status: 'done', limit: 1 }).length > 0;
}

/**
 * Imports the one 'done' run of a worker's result; returns its id in `store`, or null when a done
 * run with that hash is already there (a repeated delivery: a stalled job run twice, a coordinator
 * that stopped between importing and removing the job). A result that is not one done run of this
 * hash is a QueueError naming the worker.
 */
export function importRunResult(store: ResultsStore, hash: string, result: RunJobResult | null | undefined): number | null {
  const from = `run ${hash} from worker ${result?.worker ?? '(unknown)'}`;
  const runs = result?.dump?.runs;
  if (!result || !Array.isArray(runs) || runs.length !== 1) throw new QueueError(`${from}: the result is not the export of one run`);
  const run = runs[0]!;
  if (run.status !== 'done') throw new QueueError(`${from}: the exported run is '${run.status}', not 'done'`);
  if (run.runHash !== null && run.runHash !== hash) throw new QueueError(`${from}: the exported run has hash ${run.runHash}`);
  if (isDone(store, hash)) return null;
  // The hash is the run's identity in the store (its UNIQUE index on done runs); an executor that
  // did not set it still gets it.
  const dump = { ...result.dump, runs: [{ ...run, runHash: hash }] };
  try {
    return importRuns(store, dump, from).get(run.id)!;
  } catch (error) {
    // Another coordinator (or an earlier delivery) wrote the same run between the check and here.
    if (/UNIQUE/.test((error as Error).message) && isDone(store, hash)) return null;
    throw error;
  }
}
