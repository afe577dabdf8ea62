// One bench measurement in a process of its own, so that its peak memory is its own:
// `node dist/bench/worker.js JOB [fp32|bf16]` prints one JSON object. bench/run.ts starts it.
import { agreementModels } from './agreement-models.js';
import { biomedClipSegRun } from './biomedclipseg.js';
import { bf16Agreement } from './bf16-agreement.js';
import { clipsegRun } from './clipseg.js';
import { crisRun } from './cris.js';
import { parsePrecision } from './precision.js';

const agreement = (family: keyof typeof agreementModels): Promise<unknown> => bf16Agreement(agreementModels[family].build, agreementModels[family].training);

const jobs: Record<string, (precision: string | undefined) => unknown> = {
  clipseg: (p) => clipsegRun(parsePrecision(p)),
  'clipseg-agreement': () => agreement('clipseg'),
  cris: (p) => crisRun(parsePrecision(p)),
  'cris-agreement': () => agreement('cris'),
  biomedclipseg: (p) => biomedClipSegRun(parsePrecision(p)),
  'biomedclipseg-agreement': () => agreement('biomedclipseg'),
};

const [job, precision] = process.argv.slice(2);
const run = jobs[job ?? ''];
if (!run) throw new Error(`bench worker: unknown job ${JSON.stringify(job)}; choose from ${Object.keys(jobs).join(', ')}`);
console.log(JSON.stringify(await run(precision)));
