// `vlsm serve`: the web page where a clinician uploads an image, types what they are looking for
// and sees the mask. Localhost only unless --host says otherwise; runs until Ctrl-C.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../errors.js';
import { load } from '../../models/load.js';
import { placeModel } from '../../models/placement.js';
import { placementFrom, placementOptions, placementUsage } from '../placement-options.js';
import { parseResample, RESAMPLES } from '../../models/resample.js';
import { imageLimits } from '../../imaging/image-limits.js';
import { createServer, isLoopback } from '../../server/app.js';
import { applyMaxPixels, maxPixelsOption, maxPixelsUsage } from '../image-limit-option.js';

const usage = `usage: vlsm serve --model ID|DIR [options]

  --model ID|DIR        a checkpoint folder or a HuggingFace id (e.g. CIDAS/clipseg-rd64-refined)
  --family NAME         the model family, when the folder's config does not say
  --host ADDR           interface to listen on (default 127.0.0.1: this machine only)
  --port N              port (default 8080; 0 picks a free one)
  --max-upload-mb N     largest accepted upload in MiB (default 20)
  --resample MODE       how the logits return to the image's size: ${RESAMPLES.join(', ')}
                        (default: the model family's, as \`vlsm segment\` and \`vlsm eval\`)
${placementUsage}
${maxPixelsUsage}
  --revision REV        Hub revision to use; --offline never touches the network`;

export async function runServe(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      family: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8080' },
      'max-upload-mb': { type: 'string', default: '20' },
      resample: { type: 'string' },
      ...maxPixelsOption,
      ...placementOptions,
      revision: { type: 'string' },
      offline: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.model) {
    console.error(`vlsm serve: --model is required\n\n${usage}`);
    return 2;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port must be an integer in [0, 65535], got '${values.port}'`);
  const maxMb = Number(values['max-upload-mb']);
  if (!(maxMb > 0 && maxMb <= 1024)) throw new ConfigError(`--max-upload-mb must be a number in (0, 1024], got '${values['max-upload-mb']}'`);
  const resample = values.resample === undefined ? undefined : parseResample(values.resample, '--resample');
  applyMaxPixels(values['max-pixels']);
  const placement = placementFrom(values);
  const host = values.host;
  if (!isLoopback(host)) {
    console.error(`vlsm serve: warning: --host ${host} makes the server reachable from other machines; it has no authentication and no TLS. Use it only on a trusted network.`);
  }

  const model = placeModel(await load(values.model, { family: values.family, revision: values.revision, offline: values.offline, progress: true }), placement, '--precision');
  const server = createServer({ model, host, port, maxUploadBytes: Math.floor(maxMb * 1024 * 1024), maxPixels: imageLimits().maxPixels, resample });
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => Promise.reject(e as Error))]);
  } catch (error) {
    model.dispose();
    const e = error as NodeJS.ErrnoException;
    throw new ConfigError(`cannot listen on ${host}:${port} (${e.code ?? e.message})${e.code === 'EADDRINUSE' ? '; choose another --port' : ''}`, undefined, undefined, { cause: e });
  }
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  console.log(`vlsm serve: ${model.family} model ready at http://${shown}:${address.port}/ (Ctrl-C to stop)`);

  await once(process, 'SIGINT');
  console.log('\nvlsm serve: stopping');
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  model.dispose();
  return 0;
}
