// The main job on bundled data only, as the bundled suite suites/demo.yaml: generate prompts,
// fine-tune a small VLSM (CLIPSeg architecture) and a CNN baseline from scratch on the CPU,
// evaluate, print a Dice table per model and prompt type, write overlays, and store every run in
// the results database. When a real
// pretrained CLIPSeg is in the local HuggingFace cache, it is evaluated zero-shot too.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnnotationEntry } from '../data/annotation-file.js';
import type { Summary } from '../eval/aggregate.js';
import { readRgbImage } from '../imaging/read-image.js';
import { writeRgbPng } from '../imaging/write-image.js';
import { load } from '../models/load.js';
import { placeForInference, type Placement } from '../models/placement.js';
import { predictBatch } from '../models/predict.js';
import type { SegmentationModel } from '../models/types.js';
import { overlay } from '../imaging/overlay.js';
import { generateDatasetPrompts } from '../prompts/generate-prompts.js';
import { readPromptedSplit } from '../prompts/prompted-samples.js';
import { packageRoot } from '../package-root.js';
import { resolveRecipe } from '../train/recipes.js';
import { itemRows, loadRunModel, testDatasets, withResults } from './finetune-run.js';
import { openResults } from './results/index.js';
import { campaignProgress, runCampaign } from './suites/campaign.js';
import { planSuite } from './suites/expand.js';
import { makeSuiteData } from './suites/suite-data.js';
import { readSuiteFile, type ValidatedSuite } from './suites/suite-file.js';
import type { PlannedRun } from './suites/types.js';

export interface DemoOptions {
  out: string;
  epochs: number;
  images: number;
  seed: number;
  progress: boolean;
  /** Where every model computes (default cpu), and in what precision (default: fp32). */
  placement?: Placement;
  log?: (line: string) => void;
}

export interface DemoRow { dataset: string; model: string; prompt: string; dice: Summary }

/** How many BUSI sample images get the reference's own P1–P5 when vlsm regenerates them from the masks (medvlsm mode). */
async function busiPromptAgreement(root: string): Promise<{ same: number; total: number }> {
  const entries = JSON.parse(readFileSync(join(packageRoot(), 'assets', 'busi-sample', 'anns.json'), 'utf8')) as AnnotationEntry[];
  const regenerated = [...(await generateDatasetPrompts(root, { family: 'busi', compat: 'medvlsm' })).values()].flat();
  const shipped = new Map(entries.map((e) => [e.mask_name, e.prompts]));
  const keys = ['p1', 'p2', 'p3', 'p4', 'p5'];
  const same = regenerated.filter((e) => keys.every((k) => JSON.stringify(e.prompts?.[k]) === JSON.stringify(shipped.get(e.mask_name)?.[k]))).length;
  return { same, total: regenerated.length };
}

/** The bundled demo suite at the options' size: epochs scaled (30 → epochs), images and every seed set. */
export function demoSuite(o: Pick<DemoOptions, 'epochs' | 'images' | 'seed'>): ValidatedSuite {
  const suite = readSuiteFile('demo');
  const synthetic = suite.datasets['synthetic']!.make as { synthetic: { images: number; seed: number; size: number } };
  synthetic.synthetic = { ...synthetic.synthetic, images: o.images, seed: o.seed };
  for (const block of suite.grid) {
    const t = block.train;
    const scale = (v: unknown): number => Math.round((Number(v) / 30) * o.epochs);
    block.train = { ...t, seed: o.seed, max_epochs: scale(t['max_epochs']), min_epochs: scale(t['min_epochs']) };
  }
  return suite;
}

/** The overlay folder of a demo run: model label, dataset, and the prompt for the VLSM. */
const runLabel = (run: PlannedRun): string => [run.config.modelLabel.replace(/-\d+$/, ''), run.config.data[0], ...(run.study.family === 'clipseg' ? [run.config.prompt] : [])].join('-');

async function writeOverlays(model: SegmentationModel, dataRoot: string, prompt: string, dir: string, count: number): Promise<void> {
  const samples = (await readPromptedSplit(dataRoot, 'test', { promptType: prompt as `p${number}`, seed: 0 })).slice(0, count);
  const images = await Promise.all(samples.map((s) => readRgbImage(s.record.imagePath)));
  const predictions = predictBatch(model, images, samples.map((s) => s.text));
  mkdirSync(dir, { recursive: true });
  await Promise.all(samples.map((s, i) => writeRgbPng(join(dir, `${s.record.id.replace(/\.[^./]+$/, '')}.png`), overlay(images[i]!, predictions[i]!.mask))));
}

/**
 * Runs the bundled demo suite (suites/demo.yaml) into `out`: data under out/data, run folders
 * under out/runs/<run hash>, the results store out/vlsm-results.sqlite. Runs already done there are
 * not run again.
 */
export async function runDemo(o: DemoOptions): Promise<DemoRow[]> {
  const log = o.log ?? ((line: string) => console.log(line));
  const started = Date.now();
  const dataRoot = join(o.out, 'data');
  const busi = join(dataRoot, 'busi');
  const suite = demoSuite(o);
  await makeSuiteData(suite, dataRoot, log);
  const { same, total } = await busiPromptAgreement(busi);
  log(`BUSI sample: vlsm regenerates the same P1-P5 from the masks for ${same}/${total} -> ${busi}`);
  const plan = await planSuite(suite, { dataRoot });
  const database = join(o.out, 'vlsm-results.sqlite');
  const store = openResults(database);
  const rows: DemoRow[] = [];
  try {
    const result = await runCampaign(plan, { store, artifactsDir: join(o.out, 'runs'), dataRoot, log, progress: o.progress, device: o.placement?.device, precision: o.placement?.precision });
    if (result.failed.length > 0) throw new Error(`demo: ${result.failed.map((f) => `${f.run.title}: ${f.error}`).join('; ')}`);
    for (const p of campaignProgress(plan, store)) {
      const run = p.run;
      const dataset = run.config.data[0]!;
      const summary = store.runSummary(p.record!.id).find((r) => r.dataset === dataset && r.resolution === 'original' && r.prompt === run.config.prompt.toUpperCase())!;
      const vlsm = run.study.family === 'clipseg';
      rows.push({ dataset, model: vlsm ? 'small VLSM (CLIPSeg arch.)' : 'U-Net (small ResNet)', prompt: vlsm ? run.config.prompt.toUpperCase() : '(image only)', dice: summary.dice });
      const { model } = await loadRunModel(join(o.out, 'runs', run.hash));
      if (o.placement) placeForInference(model, o.placement);
      await writeOverlays(model, join(dataRoot, dataset), run.config.prompt, join(o.out, 'overlays', runLabel(run)), 4);
      model.dispose();
    }
  } finally {
    store.close();
  }

  // A real pretrained CLIPSeg, if this machine has one cached: zero-shot on the BUSI sample.
  let pretrained: SegmentationModel | undefined;
  let missing = '';
  try {
    pretrained = await load('CIDAS/clipseg-rd64-refined', { offline: true });
    if (o.placement) placeForInference(pretrained, o.placement);
  } catch (error) {
    missing = (error as Error).message.split('\n')[0]!;
  }
  if (pretrained) {
    log('found CIDAS/clipseg-rd64-refined in the local HuggingFace cache: evaluating it zero-shot on the BUSI sample');
    const recipe = resolveRecipe('clipseg', 'published');
    await withResults(database, { kind: 'zeroshot', config: { model: 'CIDAS/clipseg-rd64-refined', data: [busi] }, model: 'CLIPSeg' }, async (store, id) => {
      for (const prompt of ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'] as const) {
        const results = await testDatasets(pretrained, [{ root: busi, name: 'busi' }], prompt, recipe, join(o.out, 'zeroshot'), false, false);
        if (store && id !== undefined) store.addItemMetrics(id, itemRows(results));
        rows.push({ dataset: 'busi', model: 'CLIPSeg rd64-refined (pretrained, zero-shot)', prompt: prompt.toUpperCase(), dice: results[0]!.dice });
      }
      return {};
    });
    pretrained.dispose();
  } else {
    log(`no pretrained CLIPSeg in the local HuggingFace cache (CIDAS/clipseg-rd64-refined): the demo trains from scratch only [${missing}]`);
  }
  log(`\ndemo finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return rows;
}
