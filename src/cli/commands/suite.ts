// `vlsm suite plan|run|status SUITE`: a grid of runs from one file (a bundled suite's name or a
// path), what of it is done, what the rest should cost, and the in-process runner.
import { parseArgs } from 'node:util';
import { campaignProgress, estimateCost, runCampaign, type RunProgress } from '../../experiments/suites/campaign.js';
import { planSuite, type SuitePlan } from '../../experiments/suites/expand.js';
import { bundledSuiteNames, readSuiteFile } from '../../experiments/suites/suite-file.js';
import { openResults, resultsPath } from '../../experiments/results/index.js';
import { runSuiteOnQueue, suiteQueueOptions, suiteQueueUsage, suiteStatusOnQueue } from './suite-queue.js';

const usage = () => `usage: vlsm suite plan|run|status SUITE [options]

  SUITE              a bundled suite (${bundledSuiteNames().join(', ')}) or a suite file (YAML)
  --data-root DIR    datasets are DIR/<name> (default data)
  --artifacts DIR    run folders (checkpoints, per-image CSVs) and shared frozen features (default vlsm-artifacts)
  --results DB       results database (default $VLSM_RESULTS or ./vlsm-results.sqlite)
  --limit N          run: stop after N runs
  --quiet            run: no progress bars
${suiteQueueUsage}

plan    expands the grid: counts by kind and model, what is done (a 'done' run with the same run
        hash in the results store), and the cost of the rest from the durations of finished runs
run     runs what is not done, one run after another; killed and started again, it skips finished
        runs and resumes an interrupted fine-tune from its last checkpoint
status  done / running / failed / queued with a progress bar and an ETA`;

const formatDuration = (s: number): string => {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
};

function countBy<T>(xs: readonly T[], key: (x: T) => string): string {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(key(x), (counts.get(key(x)) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ${n}`).join(', ');
}

export function progressBar(progress: readonly RunProgress[], width = 30): string {
  const n = progress.length;
  const done = progress.filter((p) => p.state === 'done').length;
  const filled = n === 0 ? width : Math.round((done / n) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${n}`;
}

/** The plan's text: counts by kind and model, done, and the estimated cost of the rest. */
export function planText(plan: SuitePlan, progress: readonly RunProgress[], store: Parameters<typeof estimateCost>[1]): string {
  const todo = progress.filter((p) => p.state !== 'done').map((p) => p.run);
  const cost = estimateCost(todo, store);
  const lines = [
    `suite ${plan.suite.name} (${plan.suite.kind}): ${plan.runs.length} runs`,
    `by kind: ${countBy(plan.runs, (r) => r.kind)}`,
    `by model: ${countBy(plan.runs, (r) => r.config.modelLabel)}`,
    `by setting: ${countBy(plan.runs, (r) => r.study.setting ?? 'evaluation')}`,
    `done: ${plan.runs.length - todo.length}, to run: ${todo.length}`,
  ];
  if (todo.length > 0) {
    lines.push('estimated cost of the runs to do (median duration of finished runs of the same kind and family in the results store):');
    for (const g of cost.groups) lines.push(`  ${g.kind} ${g.family}: ${g.runs} run(s) × ${g.medianS === null ? 'unknown (no finished run measured yet)' : `${formatDuration(g.medianS)} (from ${g.measured} run(s))`}`);
    lines.push(`  total: ${cost.unknownRuns === todo.length ? 'unknown until runs of these kinds and families have finished here' : `${formatDuration(cost.totalS)}${cost.unknownRuns > 0 ? ` + ${cost.unknownRuns} run(s) not yet measured` : ''}`}`);
  }
  if (plan.missing.length > 0) lines.push(`not on this machine (their hashes know only their names; plan where the data is): ${plan.missing.slice(0, 8).join('; ')}${plan.missing.length > 8 ? `; … ${plan.missing.length - 8} more` : ''}`);
  return lines.join('\n');
}

export function statusText(plan: SuitePlan, progress: readonly RunProgress[], store: Parameters<typeof estimateCost>[1]): string {
  const count = (s: RunProgress['state']): number => progress.filter((p) => p.state === s).length;
  const todo = progress.filter((p) => p.state !== 'done').map((p) => p.run);
  const cost = estimateCost(todo, store);
  const eta = todo.length === 0 ? 'finished' : `ETA ${formatDuration(cost.totalS)}${cost.unknownRuns > 0 ? ` + ${cost.unknownRuns} run(s) not yet measured` : ''}`;
  const lines = [
    `suite ${plan.suite.name}: ${progressBar(progress)} done, ${count('running')} running, ${count('failed')} failed, ${count('queued')} queued; ${eta}`,
  ];
  for (const p of progress.filter((q) => q.state === 'running')) lines.push(`  running: ${p.run.title} (results run ${p.record!.id}, ${p.record!.machine.hostname} pid ${p.record!.pid})`);
  for (const p of progress.filter((q) => q.state === 'failed').slice(0, 10)) lines.push(`  failed: ${p.run.title} (results run ${p.record!.id}, ${p.record!.status}): ${(p.record!.error ?? '').split('\n')[0]}`);
  return lines.join('\n');
}

export async function runSuiteCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'data-root': { type: 'string', default: 'data' }, artifacts: { type: 'string', default: 'vlsm-artifacts' }, results: { type: 'string' },
      limit: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...suiteQueueOptions,
    },
  });
  const [action, name] = positionals;
  if (values.help) {
    console.log(usage());
    return 0;
  }
  if (!action || !name || !['plan', 'run', 'status'].includes(action) || positionals.length > 2) {
    console.error(`vlsm suite: give plan, run or status and a suite\n\n${usage()}`);
    return 2;
  }
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new RangeError(`--limit must be a positive integer, got '${values.limit}'`);
  const suite = readSuiteFile(name);
  const dataRoot = values['data-root']!;
  const plan = await planSuite(suite, { dataRoot });
  if (values.queue !== undefined && action !== 'plan') {
    return action === 'run' ? runSuiteOnQueue(plan, values.queue, values, resultsPath(values.results), dataRoot) : suiteStatusOnQueue(plan, values.queue, resultsPath(values.results));
  }
  const store = openResults(resultsPath(values.results));
  try {
    if (action === 'plan') {
      console.log(planText(plan, campaignProgress(plan, store), store));
      return 0;
    }
    if (action === 'status') {
      console.log(statusText(plan, campaignProgress(plan, store), store));
      return 0;
    }
    const result = await runCampaign(plan, {
      store, artifactsDir: values.artifacts!, dataRoot, limit, progress: !values.quiet && Boolean(process.stderr.isTTY),
      onRun: (progress) => console.log(`suite ${suite.name}: ${progressBar(progress)} done`),
    });
    console.log(`\n${statusText(plan, campaignProgress(plan, store), store)}`);
    console.log(`this call: ${result.ran} run(s) done, ${result.skipped} already done, ${result.failed.length} failed`);
    return result.failed.length > 0 ? 1 : 0;
  } finally {
    store.close();
  }
}
