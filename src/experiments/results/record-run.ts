// A run recorded around the work it does, including when a signal stops the process.
import type { ResultsStore } from './store.js';
import type { RunStart } from './types.js';

/**
 * Runs `fn` as a recorded run: `startRun`, then `finishRun` 'done' with its result, or 'failed'
 * with the error (rethrown). SIGINT and SIGTERM mark the run 'killed' and then end the process as
 * the signal would have, unless `signals: false`.
 *
 * @example await recordRun(store, { kind: 'eval', config }, async (runId) => evaluate(..., runId))
 */
export async function recordRun<T>(store: ResultsStore, start: RunStart, fn: (runId: number) => Promise<T>, o: { signals?: boolean } = {}): Promise<T> {
  const runId = store.startRun(start);
  // A caller that stops its work itself on a signal (a queue worker's graceful shutdown) asks for no handlers.
  if (o.signals === false) {
    try {
      const result = await fn(runId);
      store.finishRun(runId);
      return result;
    } catch (error) {
      store.finishRun(runId, { error });
      throw error;
    }
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    detach();
    store.finishRun(runId, { status: 'killed', error: `stopped by ${signal}` });
    process.kill(process.pid, signal);
  };
  const detach = (): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await fn(runId);
    detach();
    store.finishRun(runId);
    return result;
  } catch (error) {
    detach();
    store.finishRun(runId, { error });
    throw error;
  }
}
