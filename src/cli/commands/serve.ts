// `vlsm serve`: the web page where a clinician uploads an image, types what they are looking for
// and sees the mask. Localhost only unless --host says otherwise; runs until Ctrl-C.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../errors.js';
import { basename, resolve } from 'node:path';
import { load } from '../../models/load.js';
import { placeForInference } from '../../models/placement.js';
import { placementFrom, placementOptions, placementUsage } from '../placement-options.js';
import type { SegmentationModel } from '../../models/types.js';
import { FAMILIES, parseFamily, type Family } from '../../prompts/families.js';
import { DatasetBrowser } from '../../server/dataset-browser.js';
import { parseResample, RESAMPLES } from '../../models/resample.js';
import { imageLimits } from '../../imaging/image-limits.js';
import { createServer, isLoopback } from '../../server/app.js';
import { applyMaxPixels, maxPixelsOption, maxPixelsUsage } from '../image-limit-option.js';

const usage = `usage: vlsm serve --model ID|DIR [--model ID|DIR] [options]

  --model ID|DIR        a checkpoint folder or a HuggingFace id (e.g. CIDAS/clipseg-rd64-refined);
                        give it twice to compare two models side by side
  --family NAME         the model family, when the folder's config does not say
  --data ROOT           a dataset in the reference layout to browse (images stay inside ROOT)
  --db FILE             a results database whose per-image scores the browser shows
  --prompt-family NAME  the dataset family whose prompt templates the chips use
                        (${FAMILIES.join(', ')}; default: ROOT's folder name when it is one, else busi)
  --save-dir DIR        lets the page save mask, probability map and record into DIR
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
      model: { type: 'string', multiple: true },
      data: { type: 'string' },
      db: { type: 'string' },
      'prompt-family': { type: 'string' },
      'save-dir': { type: 'string' },
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
  const modelIds = values.model ?? [];
  if (modelIds.length === 0) {
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

  if (modelIds.length > 2) throw new ConfigError(`--model is given ${modelIds.length} times; the page compares at most two models`);
  if (values.db !== undefined && values.data === undefined) throw new ConfigError('--db shows per-image scores in the dataset browser; give --data ROOT with it');
  const promptFamily = values['prompt-family'] !== undefined
    ? parseFamily(values['prompt-family'], '--prompt-family')
    : values.data !== undefined && (FAMILIES as readonly string[]).includes(basename(resolve(values.data))) ? (basename(resolve(values.data)) as Family) : undefined;
  const browser = values.data === undefined ? undefined : await DatasetBrowser.open(values.data, { family: promptFamily, db: values.db });

  const models: { name: string; model: SegmentationModel }[] = [];
  try {
    for (const id of modelIds) {
      const loaded = await load(id, { family: values.family, revision: values.revision, offline: values.offline, progress: true });
      models.push({ name: id, model: loaded });
      placeForInference(loaded, placement, '--precision');
    }
  } catch (error) {
    for (const m of models) m.model.dispose();
    throw error;
  }
  const model = models[0]!.model;
  const disposeAll = (): void => models.forEach((m) => m.model.dispose());
  const server = createServer({ model, models, browser, promptFamily, saveDir: values['save-dir'], host, port, maxUploadBytes: Math.floor(maxMb * 1024 * 1024), maxPixels: imageLimits().maxPixels, resample });
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => Promise.reject(e as Error))]);
  } catch (error) {
    disposeAll();
    const e = error as NodeJS.ErrnoException;
    throw new ConfigError(`cannot listen on ${host}:${port} (${e.code ?? e.message})${e.code === 'EADDRINUSE' ? '; choose another --port' : ''}`, undefined, undefined, { cause: e });
  }
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const what = models.map((m) => `${m.model.family} model`).join(' and ') + (browser ? ` and ${browser.size} dataset images` : '');
  console.log(`vlsm serve: ${what} ready at http://${shown}:${address.port}/ (Ctrl-C to stop)`);

  await once(process, 'SIGINT');
  console.log('\nvlsm serve: stopping');
  server.closeAllConnections();
  await new Promise<void>((done) => server.close(() => done()));
  disposeAll();
  return 0;
}
