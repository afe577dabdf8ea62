// `vlsm report [SUITE] --db FILE --out DIR`: the paper's tables and figures from a results store,
// as a folder that opens offline (src/report/write-report.ts).
import { parseArgs } from 'node:util';
import { openResults, resultsPath } from '../../experiments/results/index.js';
import { writeReport } from '../../report/write-report.js';

const USAGE = `usage: vlsm report [SUITE] [--db FILE] [--out DIR] [--data-root DIR]... [--seed N] [--no-figures]

Writes DIR (default: report) with index.html and README.md (the same content; the page opens
offline), tables/*.{md,csv,tex} (Tables 1, 2, 3, 4, 6, 7, zero-shot and the runs, each cell beside
the paper's number) and figures/ (SVG, PNG and the CSV of each figure). SUITE keeps the runs of one
suite; without it every run of the store is reported. --data-root is a dataset folder (reference
layout) or a folder of them, for Table 1's split counts and the figures' images. An empty store
gives a report that says so (exit 0); an unknown SUITE is an error listing the store's suites.
The database is --db, else $VLSM_RESULTS, else ./vlsm-results.sqlite.`;

export async function runReport(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        db: { type: 'string' }, out: { type: 'string' }, 'data-root': { type: 'string', multiple: true }, seed: { type: 'string' },
        'no-figures': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    console.error(`vlsm report: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) return (console.log(USAGE), 0);
  if (positionals.length > 1) {
    console.error(`vlsm report: expected at most one SUITE, got ${positionals.join(' ')}\n\n${USAGE}`);
    return 2;
  }
  const seed = values.seed === undefined ? 0 : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`vlsm report: --seed must be a non-negative integer, got '${values.seed}'`);
  const out = values.out ?? 'report';
  const store = openResults(resultsPath(values.db), { readonly: true });
  try {
    const started = Date.now();
    const result = await writeReport(store, {
      ...(positionals[0] !== undefined ? { suite: positionals[0] } : {}), out, dataRoots: values['data-root'] ?? [], seed, figures: !values['no-figures'],
    });
    for (const note of result.notes) console.error(`vlsm report: ${note}`);
    const incomplete = result.tables.filter((t) => t.missing.length > 0).map((t) => t.id);
    console.log(`wrote ${out}/index.html, README.md, ${result.tables.length + 1} tables and ${result.figures.filter((f) => f.svg).length} figures from ${result.runs} run(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (incomplete.length) console.log(`tables with missing runs (see their notes): ${incomplete.join(', ')}`);
  } finally {
    store.close();
  }
  return 0;
}
