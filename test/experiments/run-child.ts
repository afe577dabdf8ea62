// A child process for the run-lifecycle tests. usage: node run-child.js DB MODE
//   abandon: starts a run and exits without finishing it (a crash);
//   hang:    records a run that never ends, printing its id, until a signal arrives.
import { openResults, recordRun } from '../../src/experiments/results/index.js';

const [db, mode] = process.argv.slice(2);
const store = openResults(db);
const start = { kind: 'eval' as const, config: { mode }, gitCommit: null, vlsmVersion: 'test' };
if (mode === 'abandon') {
  process.stdout.write(`${store.startRun(start)}\n`);
} else {
  await recordRun(store, start, async (runId) => {
    process.stdout.write(`${runId}\n`);
    await new Promise(() => setInterval(() => undefined, 1000));
  });
}
