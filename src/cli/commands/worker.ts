// `vlsm worker --queue redis://HOST:PORT`: takes planned runs from the queue and executes them on
// this machine until stopped; SIGTERM or Ctrl-C gives the current runs back (fine-tunes stop at a
// checkpoint, and the next worker resumes them from the shared artifacts folder).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../errors.js';
import { startRunWorker } from '../../experiments/queue/index.js';
import type * as suiteExecute from '../../experiments/suites/execute.js';
import type { PlannedRun } from '../../experiments/suites/types.js';

const executorName: keyof typeof suiteExecute = 'executePlannedRun';
/** The suites' executor, imported by each run's child process. */
const SUITE_EXECUTOR = { module: new URL('../../experiments/suites/execute.js', import.meta.url).href, name: executorName };

const usage = `usage: vlsm worker --queue redis://HOST:PORT [options]

Takes runs that \`vlsm suite run SUITE --queue URL\` enqueued and executes them; results go back
through the queue to the coordinator's results database. Start one per GPU (or machine).

  --queue URL          the Redis server (redis://[user:password@]HOST:PORT[/DB], rediss:// for TLS)
  --device D           where runs compute: cpu, cuda:0 … (default: the model's own)
  --concurrency N      runs at once (default 1)
  --artifacts DIR      checkpoints and masks, under DIR/<run hash>/ (default ./vlsm-artifacts);
                       a folder shared by all workers lets a run resume on another worker
  --data-root DIR      where datasets are, DIR/<name> (default ./data)
  --lock-seconds N     a run held by a worker that stops answering goes to another worker after
                       about 1.5 N seconds (default 60)

Stop with SIGTERM or Ctrl-C: the runs in progress stop at their next checkpoint and go back to the
queue for another worker. (SIGKILL stops at once; the queue hands its runs on once the lock expires.)`;

/** How long a stopping worker waits for its runs to reach a checkpoint and for Redis to take them back. */
const SHUTDOWN_GRACE_S = 120;

function positiveInteger(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${flag} must be a positive integer, got '${text}'`, undefined, flag);
  return n;
}

export async function runWorkerCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      queue: { type: 'string' }, device: { type: 'string' }, concurrency: { type: 'string' }, artifacts: { type: 'string' },
      'data-root': { type: 'string' }, 'lock-seconds': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const url = values.queue ?? process.env.VLSM_QUEUE;
  if (!url) {
    console.error(`vlsm worker: --queue is required (or set $VLSM_QUEUE)\n\n${usage}`);
    return 2;
  }
  const worker = await startRunWorker<PlannedRun>({
    url,
    executor: SUITE_EXECUTOR,
    concurrency: positiveInteger(values.concurrency, '--concurrency', 1),
    artifactsDir: values.artifacts ?? 'vlsm-artifacts',
    dataRoot: resolve(values['data-root'] ?? 'data'),
    device: values.device,
    lockSeconds: positiveInteger(values['lock-seconds'], '--lock-seconds', 60),
  });
  // `on`, not `once`, and repeats ignored: a recorded run's own handler re-raises the signal, which
  // must not end the process while the run is being given back.
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: giving the runs in progress back to the queue, then stopping`);
    void worker.shutdown();
    // Giving runs back needs Redis; without an answer the queue hands them on once their locks expire.
    setTimeout(() => {
      console.error(`vlsm worker: the queue did not answer within ${SHUTDOWN_GRACE_S} s while stopping; exiting (its runs go to other workers once their locks expire)`);
      process.exit(1);
    }, SHUTDOWN_GRACE_S * 1000).unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await worker.closed;
  console.log(`worker ${worker.name} stopped`);
  return 0;
}
