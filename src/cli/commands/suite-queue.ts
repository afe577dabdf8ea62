// The --queue path of `vlsm suite run` and `vlsm suite status`: the plan's runs go to workers
// through Redis, and their results come back into this machine's results database.
import { ConfigError } from '../../errors.js';
import { coordinate, queueStatus, redactedUrl } from '../../experiments/queue/index.js';
import { openResults } from '../../experiments/results/index.js';
import type { SuitePlan } from '../../experiments/suites/expand.js';
import { makeSuiteData } from '../../experiments/suites/suite-data.js';
import type { PlannedRun } from '../../experiments/suites/types.js';

/** The options `suite run` and `suite status` add to their parseArgs for the queue. */
export const suiteQueueOptions = {
  queue: { type: 'string' },
  detach: { type: 'boolean' },
  attempts: { type: 'string' },
  'retry-delay': { type: 'string' },
} as const;

export const suiteQueueUsage = `  --queue URL       run on workers through Redis (redis://HOST:PORT):
                    this command enqueues the runs not done and stays, writing each result as it
                    arrives; start \`vlsm worker --queue URL\` on the machines that run them
  --detach          enqueue and leave; a later \`suite run --queue\` or \`suite status --queue\`
                    imports the results that arrived meanwhile
  --attempts N      tries per run before it counts as failed (default 3)
  --retry-delay S   seconds before the first retry, doubling each time (default 30)`;

export interface SuiteQueueArgs {
  queue?: string;
  detach?: boolean;
  attempts?: string;
  'retry-delay'?: string;
}

function positive(text: string | undefined, flag: string, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new ConfigError(`${flag} must be a positive ${integer ? 'integer' : 'number'}, got '${text}'`, undefined, flag);
  return n;
}

/** An evaluation of a planned fine-tune waits for it. */
const dependsOn = (run: PlannedRun): string[] => (run.config.fromRun ? [run.config.fromRun] : []);

/**
 * `vlsm suite run SUITE --queue URL`: makes the suite's bundled data under `dataRoot`, then
 * coordinates the plan on the queue, writing results into the database at `resultsPath`. Returns 0 when every run is done (or with --detach), 1 when some run
 * failed all its attempts, 130 when stopped by Ctrl-C (the workers go on).
 */
export async function runSuiteOnQueue(plan: SuitePlan, url: string, values: SuiteQueueArgs, resultsPath: string, dataRoot: string): Promise<number> {
  const attempts = positive(values.attempts, '--attempts', true);
  const backoffSeconds = positive(values['retry-delay'], '--retry-delay', false);
  const name = plan.suite.name;
  // The suite's bundled data (the demo's) is made here, in the data root workers share.
  await makeSuiteData(plan.suite, dataRoot, (line) => console.log(line));
  const store = openResults(resultsPath);
  const stop = new AbortController();
  const onSigint = (): void => stop.abort();
  process.once('SIGINT', onSigint);
  try {
    const outcome = await coordinate({ url, runs: plan.runs, store, suite: name, dependsOn, detach: values.detach, attempts, backoffSeconds, signal: stop.signal });
    const later = `\`vlsm suite status ${name} --queue ${redactedUrl(url)}\` or \`vlsm suite run ${name} --queue …\``;
    if (outcome.pending > 0) {
      console.log(`${outcome.pending} run(s) left to the workers; ${later} imports their results into ${resultsPath}`);
      return stop.signal.aborted ? 130 : 0;
    }
    if (outcome.failed.length > 0) {
      console.log(`${outcome.failed.length} run(s) failed every attempt (reasons above); \`vlsm suite run ${name} --queue …\` tries them again`);
      return 1;
    }
    console.log(`suite ${name}: all ${outcome.total} run(s) done; results in ${resultsPath}`);
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    store.close();
  }
}

/**
 * `vlsm suite status SUITE --queue URL`: imports results that arrived, then prints where each run
 * stands: done, running, queued (or waiting for the runs it needs), failed with the reason.
 */
export async function suiteStatusOnQueue(plan: SuitePlan, url: string, resultsPath: string): Promise<number> {
  const store = openResults(resultsPath);
  try {
    const state = await queueStatus(url, plan.runs, store, dependsOn);
    if (state.imported.length > 0) console.log(`imported ${state.imported.length} result(s) that arrived from workers into ${resultsPath}`);
    const queued = state.queued.length + state.missing.length + state.blocked.length;
    console.log(`suite ${plan.suite.name} on ${redactedUrl(url)}: ${state.done.length}/${plan.runs.length} done, ${state.running.length} running, ${queued} queued, ${state.failed.length} failed`);
    for (const r of state.running) console.log(`  running  ${r.title}`);
    for (const r of state.failed) console.log(`  failed   ${r.title}: ${r.reason}`);
    if (state.missing.length > 0) console.log(`  ${state.missing.length} run(s) are not on the queue; \`vlsm suite run ${plan.suite.name} --queue …\` enqueues them`);
    return 0;
  } finally {
    store.close();
  }
}
