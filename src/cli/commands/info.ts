// `vlsm info`: what this installation is and what it runs on.
import { parseArgs } from 'node:util';
import * as torch from '../../torch/index.js';
import { availableDevices, builtWithCuda } from '../../models/placement.js';
import { packageVersion } from '../../package-root.js';

export async function runInfo(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log('usage: vlsm info [--json] [--verbose]\n\nPrints the vlsm and libtorch versions, the addon path, threads and CUDA devices.');
    return 0;
  }
  const info = torch.info();
  const facts = {
    vlsm: packageVersion(),
    node: process.version,
    libtorch: info.libtorchVersion,
    addon: info.addon,
    threads: info.threads,
    ompWaitPolicy: process.env.OMP_WAIT_POLICY ?? '(unset)',
    cuda: info.cudaAvailable ? `${info.cudaDevices} device(s)` : `not available (${builtWithCuda() ? 'no GPU visible' : 'CPU-only libtorch'})`,
    devices: availableDevices().join(', '),
  };
  if (values.json) {
    console.log(JSON.stringify({ ...facts, ...(values.verbose ? { parallel: info.parallel, buildConfig: info.buildConfig } : {}) }, null, 2));
    return 0;
  }
  const width = Math.max(...Object.keys(facts).map((k) => k.length));
  for (const [key, value] of Object.entries(facts)) console.log(`${key.padEnd(width)}  ${value}`);
  if (values.verbose) console.log(`\n${info.parallel}\n${info.buildConfig}`);
  return 0;
}
