// What the page's tests serve: two tiny models of different families (CLIPSeg and BiomedCLIPSeg
// test fixtures), the bundled BUSI sample imported into the reference layout as the demo does, a
// results database with one run's per-image scores, and a --save-dir, on a free loopback port.
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAnnotationFile, type AnnotationEntry } from '../../src/data/annotation-file.js';
import { openResults } from '../../src/experiments/results/open.js';
import { load } from '../../src/models/load.js';
import type { SegmentationModel } from '../../src/models/types.js';
import { createServer, type ServerOptions } from '../../src/server/app.js';
import { DatasetBrowser } from '../../src/server/dataset-browser.js';
import { fixturePath, repoRoot } from '../helpers.js';

export const busiImage = (name = '1_malignant.png'): string => join(repoRoot, 'assets', 'busi-sample', 'images', name);

export interface PageFixture {
  server: http.Server;
  url: string;
  scratch: string;
  saveDir: string;
  models: SegmentationModel[];
  /** GET /api/stats. */
  stats(): Promise<{ models: { imageEncodes: number; promptRuns: number; featureHits: number }[] }>;
  close(): Promise<void>;
}

function copyInto(dir: string, fixture: string, files: string[], extra: Record<string, unknown> = {}): string {
  mkdirSync(dir, { recursive: true });
  for (const file of files) copyFileSync(fixturePath(fixture, file), join(dir, file));
  for (const [file, value] of Object.entries(extra)) writeFileSync(join(dir, file), JSON.stringify(value));
  return dir;
}

/** The BUSI sample in the reference layout (anns/{train,val,test}.json by each entry's split). */
export async function busiReferenceLayout(root: string): Promise<void> {
  const source = join(repoRoot, 'assets', 'busi-sample');
  cpSync(join(source, 'images'), join(root, 'images'), { recursive: true });
  cpSync(join(source, 'masks'), join(root, 'masks'), { recursive: true });
  const entries = JSON.parse(readFileSync(join(source, 'anns.json'), 'utf8')) as (AnnotationEntry & { split: string })[];
  for (const split of ['train', 'val', 'test'] as const) await writeAnnotationFile(join(root, 'anns', `${split}.json`), entries.filter((e) => e.split === split));
}

export async function startPageFixture(options: Partial<ServerOptions> = {}): Promise<PageFixture> {
  const scratch = mkdtempSync(join(tmpdir(), 'vlsm-page-'));
  const clipseg = await load(copyInto(join(scratch, 'clipseg'), 'clipseg-tiny', ['config.json', 'model.safetensors'], { 'preprocessor_config.json': { size: { height: 64, width: 64 } } }));
  const biomed = await load(copyInto(join(scratch, 'biomedclipseg'), 'biomedclipseg-tiny', ['config.json', 'decoder.safetensors', 'open_clip_config.json', 'open_clip_model.safetensors', 'tokenizer.json', 'vocab.txt']));
  const data = join(scratch, 'busi');
  await busiReferenceLayout(data);
  const db = join(scratch, 'results.sqlite');
  const store = openResults(db);
  const run = store.startRun({ kind: 'zeroshot', config: { model: 'tiny' }, name: 'tiny zero-shot' });
  store.addItemMetrics(run, [{ dataset: 'busi', split: 'test', prompt: 'P1', imageId: '4_malignant.png', dice: 0.625, iou: 0.45 }]);
  store.finishRun(run);
  store.close();
  const saveDir = join(scratch, 'saved');
  const browser = await DatasetBrowser.open(data, { family: 'busi', db });
  const server = createServer({
    model: clipseg, models: [{ name: 'clipseg-tiny', model: clipseg }, { name: 'biomedclipseg-tiny', model: biomed }],
    browser, promptFamily: 'busi', saveDir, port: 0, maxUploadBytes: 1024 * 1024, ...options,
  });
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server, url, scratch, saveDir, models: [clipseg, biomed],
    stats: async () => (await fetch(`${url}/api/stats`)).json() as Promise<{ models: { imageEncodes: number; promptRuns: number; featureHits: number }[] }>,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      clipseg.dispose();
      biomed.dispose();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
