// Runs spread over machines through BullMQ on Redis: coordinators enqueue and collect, workers execute.
export { QueueError, type QueuedRun, type RunExecutor, type RunJobData, type RunJobResult, type WorkerContext } from './types.js';
export { redactedUrl, redisOptions, type RedisConnection } from './redis-url.js';
export { reachRedis } from './reach-redis.js';
export { jobIdOf, openRunQueue, RUN_QUEUE, type RunQueue } from './run-queue.js';
export { importRunResult, isDone } from './import-result.js';
export { sweepPlan, type DependsOn, type PlanState, type RunFailure } from './sweep.js';
export { coordinate, formatSeconds, type CoordinateOptions, type CoordinateOutcome } from './coordinator.js';
export { queueStatus } from './queue-status.js';
export { startRunWorker, type RunWorker, type RunWorkerOptions } from './worker.js';
export { ExecutorError, runInChild, type ExecutorRef } from './run-in-child.js';
