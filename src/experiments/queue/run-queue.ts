// The one BullMQ queue every coordinator and worker of a Redis server shares.
import { Queue } from 'bullmq';
import { redisOptions } from './redis-url.js';
import type { RunJobData, RunJobResult } from './types.js';

/** The queue's name; its Redis keys start with `bull:vlsm-runs:`. */
export const RUN_QUEUE = 'vlsm-runs';

/**
 * The job id of a run: its hash, so adding a run twice adds one job. BullMQ refuses ids that look
 * like integers (its own ids) or hold ':', which a short hex hash can be; those get a prefix.
 */
export function jobIdOf(hash: string): string {
  return /^\d+$/.test(hash) || hash.includes(':') ? `run-${hash.replaceAll(':', '-')}` : hash;
}

export type RunQueue = Queue<RunJobData, RunJobResult>;

/** The shared queue at `url` (call `reachRedis(url)` first for a quick, clear error). */
export function openRunQueue(url: string, onError: (error: Error) => void = () => undefined): RunQueue {
  const queue: RunQueue = new Queue(RUN_QUEUE, { connection: redisOptions(url) });
  queue.on('error', onError);
  return queue;
}
