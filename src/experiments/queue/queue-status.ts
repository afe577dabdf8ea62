// `suite status` for a campaign on a queue: the results that arrived are imported first, so the
// counts (and the store) are up to date even when no coordinator stayed.
import type { ResultsStore } from '../results/index.js';
import { reachRedis } from './reach-redis.js';
import { openRunQueue } from './run-queue.js';
import { sweepPlan, type DependsOn, type PlanState } from './sweep.js';
import type { QueuedRun } from './types.js';

/** Imports arrived results of `runs` into `store` and says where each run stands. */
export async function queueStatus<R extends QueuedRun>(url: string, runs: readonly R[], store: ResultsStore, dependsOn?: DependsOn<R>): Promise<PlanState<R>> {
  await reachRedis(url);
  const queue = openRunQueue(url);
  try {
    return await sweepPlan(queue, store, runs, dependsOn);
  } finally {
    await queue.close();
  }
}
