// One bench measurement in a process of its own, so that its peak memory is its own:
// `node dist/bench/worker.js JOB [fp32|bf16]` prints one JSON object. bench/run.ts starts it.
import { biomedClipSegRun } from './biomedclipseg.js';
import { clipsegAgreement } from './clipseg-agreement.js';
import { clipsegRun } from './clipseg.js';
import { crisRun } from './cris.js';
import { parsePrecision } from './precision.js';

const jobs: Record<string, (precision: string | undefined) => unknown> = {
  clipseg: (p) => clipsegRun(parsePrecision(p)),
  'clipseg-agreement': () => clipsegAgreement(),
  cris: (p) => crisRun(parsePrecision(p)),
  biomedclipseg: (p) => biomedClipSegRun(parsePrecision(p)),
};

const [job, precision] = process.argv.slice(2);
const run = jobs[job ?? ''];
if (!run) throw new Error(`bench worker: unknown job ${JSON.stringify(job)}; choose from ${Object.keys(jobs).join(', ')}`);
console.log(JSON.stringify(await run(precision)));
