// A worker process for the queue tests: `vlsm worker`'s loop with the tiny zero-shot executor.
// usage: node worker-child.js URL ARTIFACTS DATA_ROOT LOCK_SECONDS
// Prints each log line; exits 0 after a graceful shutdown on SIGTERM.
import { startRunWorker } from '../../../src/experiments/queue/index.js';
import { TINY_EXECUTOR } from './tiny-zeroshot.js';

const [url, artifactsDir, dataRoot, lockSeconds] = process.argv.slice(2);
const worker = await startRunWorker({ url: url!, executor: TINY_EXECUTOR, artifactsDir, dataRoot, lockSeconds: Number(lockSeconds), log: (line) => process.stdout.write(`${line}\n`) });
process.stdout.write('ready\n');
process.once('SIGTERM', () => void worker.shutdown());
await worker.closed;
process.stdout.write('stopped\n');
