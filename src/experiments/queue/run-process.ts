// The child process that executes one run for a worker. Native work blocks its event loop for
// seconds at a time; in a child, the worker's own loop stays free to renew the run's lock in
// Redis, so a run is handed to another worker only when its worker is really gone.
import { openResults } from '../results/index.js';
import type { RunExecutionRequest, RunExecutionReply } from './run-in-child.js';
import type { QueuedRun, RunExecutor } from './types.js';

const reply = (message: RunExecutionReply): Promise<void> => new Promise((resolve) => process.send!(message, () => resolve()));

// The worker died (SIGKILL, a crash): stop too, rather than write into a run another worker resumes.
process.on('disconnect', () => process.exit(1));

const stop = new AbortController();
process.on('message', (message: RunExecutionRequest | 'stop') => {
  if (message === 'stop') {
    stop.abort();
    return;
  }
  void execute(message);
});
// A recorded run re-raises SIGINT/SIGTERM to end the process; the worker decides when this child
// stops (it sends 'stop'), so the terminal's Ctrl-C, sent to the whole process group, is ignored.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);

async function execute(request: RunExecutionRequest): Promise<void> {
  const store = openResults(request.storePath);
  try {
    const module = (await import(request.executor.module)) as Record<string, unknown>;
    const executor = module[request.executor.name] as RunExecutor<QueuedRun> | undefined;
    if (typeof executor !== 'function') throw new TypeError(`${request.executor.module} exports no function ${request.executor.name}`);
    const runId = await executor(request.run, { ...request.context, store, signal: stop.signal, log: (line) => process.send!({ log: line } satisfies RunExecutionReply) });
    store.close();
    await reply({ runId });
  } catch (error) {
    store.close();
    const e = error as Error;
    await reply({ error: { name: e.name ?? 'Error', message: e.message ?? String(error), isVlsmError: Boolean((e as { isVlsmError?: boolean }).isVlsmError) } });
  }
  process.disconnect();
}
