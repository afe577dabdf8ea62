// The main job on bundled data only: generate prompts, fine-tune a small VLSM (CLIPSeg
// architecture) and a CNN baseline from scratch on the CPU, evaluate, print a Dice table per model
// and prompt type, write overlays, and store every run in the results database. When a real
// pretrained CLIPSeg is in the local HuggingFace cache, it is evaluated zero-shot too.
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSyntheticDataset } from '../prompts/synthetic-referring.js';
import type { AnnotationEntry } from '../data/annotation-file.js';
import { writeAnnotationFile } from '../data/annotation-file.js';
import type { Summary } from '../eval/aggregate.js';
import { readRgbImage } from '../imaging/read-image.js';
import { writeRgbPng } from '../imaging/write-image.js';
import { load } from '../models/load.js';
import { placeModel, type Placement } from '../models/placement.js';
import { predictBatch } from '../models/predict.js';
import type { SegmentationModel } from '../models/types.js';
import { overlay } from '../imaging/overlay.js';
import { generateDatasetPrompts } from '../prompts/generate-prompts.js';
import { readPromptedSplit } from '../prompts/prompted-samples.js';
import { packageRoot } from '../package-root.js';
import { itemRows, loadRunModel, runFinetune, testDatasets, withResults } from './finetune-run.js';
import { parseRunConfig, type RunConfig } from './run-config.js';
import { resolveRecipe } from '../train/recipes.js';

/** The small VLSM: CLIPSeg's architecture at a size that trains on a CPU in about a minute. */
export const DEMO_VLSM = {
  text_config: { hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4 },
  vision_config: { hidden_size: 64, intermediate_size: 128, num_hidden_layers: 3, num_attention_heads: 4, image_size: 64, patch_size: 8 },
  projection_dim: 64,
  extract_layers: [0, 1, 2],
  reduce_dim: 32,
  decoder_num_attention_heads: 4,
  decoder_intermediate_size: 64,
  use_complex_transposed_convolution: false,
};

/** The CNN baseline: smp's U-Net with a small ResNet (basic blocks) and a narrow decoder. */
export const DEMO_CNN = {
  encoder_name: 'resnet18',
  encoder_params: { block: 'basic', layers: [1, 1, 1, 1], width: 16 },
  encoder_weights: null,
  decoder_channels: [64, 32, 16, 16, 8],
};

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

/**
 * The bundled BUSI sample in the reference layout, split by its entries' own `split` field, with
 * the reference's prompts; returns how many images get the same P1–P5 when vlsm regenerates them
 * from the masks (medvlsm mode).
 */
async function busiDataset(root: string): Promise<{ same: number; total: number }> {
  const source = join(packageRoot(), 'assets', 'busi-sample');
  cpSync(join(source, 'images'), join(root, 'images'), { recursive: true });
  cpSync(join(source, 'masks'), join(root, 'masks'), { recursive: true });
  const entries = JSON.parse(readFileSync(join(source, 'anns.json'), 'utf8')) as (AnnotationEntry & { split: string })[];
  for (const split of ['train', 'val', 'test'] as const) {
    await writeAnnotationFile(join(root, 'anns', `${split}.json`), entries.filter((e) => e.split === split));
  }
  const regenerated = [...(await generateDatasetPrompts(root, { family: 'busi', compat: 'medvlsm' })).values()].flat();
  const shipped = new Map(entries.map((e) => [e.mask_name, e.prompts]));
  const keys = ['p1', 'p2', 'p3', 'p4', 'p5'];
  const same = regenerated.filter((e) => keys.every((k) => JSON.stringify(e.prompts?.[k]) === JSON.stringify(shipped.get(e.mask_name)?.[k]))).length;
  return { same, total: regenerated.length };
}

function runConfig(o: DemoOptions, name: string, model: RunConfig['model'], dataRoot: string, dataset: string, prompt: string, train: Record<string, unknown>): RunConfig {
  const placement = o.placement ?? { device: 'cpu', precision: 'fp32' };
  return parseRunConfig({ name, model, recipe: 'published', train, data: [{ root: dataRoot, name: dataset }], prompt, out: join(o.out, 'runs', name), results: join(o.out, 'vlsm-results.sqlite'), device: placement.device, precision: placement.precision }, `demo run ${name}`);
}

async function writeOverlays(model: SegmentationModel, dataRoot: string, prompt: string, dir: string, count: number): Promise<void> {
  const samples = (await readPromptedSplit(dataRoot, 'test', { promptType: prompt as `p${number}`, seed: 0 })).slice(0, count);
  const images = await Promise.all(samples.map((s) => readRgbImage(s.record.imagePath)));
  const predictions = predictBatch(model, images, samples.map((s) => s.text));
  mkdirSync(dir, { recursive: true });
  await Promise.all(samples.map((s, i) => writeRgbPng(join(dir, `${s.record.id.replace(/\.[^./]+$/, '')}.png`), overlay(images[i]!, predictions[i]!.mask))));
}

export async function runDemo(o: DemoOptions): Promise<DemoRow[]> {
  const log = o.log ?? ((line: string) => console.log(line));
  const started = Date.now();
  const synthetic = join(o.out, 'data', 'synthetic');
  const busi = join(o.out, 'data', 'busi');
  if (!existsSync(join(synthetic, 'anns', 'test.json'))) {
    const counts = await writeSyntheticDataset(synthetic, { n: o.images, seed: o.seed, size: 64 });
    log(`synthetic referring dataset: ${counts.train} train, ${counts.val} val, ${counts.test} test images (64x64) with prompts P0-P9 -> ${synthetic}`);
  }
  if (!existsSync(join(busi, 'anns', 'test.json'))) {
    const { same, total } = await busiDataset(busi);
    log(`BUSI sample: 12 images with the reference's prompts; vlsm regenerates the same P1-P5 from the masks for ${same}/${total} -> ${busi}`);
  }

  const rows: DemoRow[] = [];
  const epochs = { max_epochs: o.epochs, min_epochs: o.epochs };
  const vlsmTrain = { frozen: [], batch_size: 8, lr: 2e-3, scheduler: { type: 'constant' }, grad_clip: 1, loss: { dice: 1, bce: 1 }, seed: o.seed, ...epochs };
  const cnnTrain = { batch_size: 16, lr: 2e-3, loss: { dice: 1, bce: 1 }, seed: o.seed, ...epochs };
  const plan: { dataset: string; root: string; name: string; model: RunConfig['model']; prompt: string; train: Record<string, unknown> }[] = [
    { dataset: 'synthetic', root: synthetic, name: 'vlsm-synthetic-p0', model: { family: 'clipseg', input_size: [64, 64], scratch: DEMO_VLSM }, prompt: 'p0', train: vlsmTrain },
    { dataset: 'synthetic', root: synthetic, name: 'vlsm-synthetic-p3', model: { family: 'clipseg', input_size: [64, 64], scratch: DEMO_VLSM }, prompt: 'p3', train: vlsmTrain },
    { dataset: 'synthetic', root: synthetic, name: 'unet-synthetic', model: { family: 'unet', input_size: [64, 64], scratch: DEMO_CNN }, prompt: 'p0', train: cnnTrain },
    { dataset: 'busi', root: busi, name: 'unet-busi', model: { family: 'unet', input_size: [96, 96], scratch: DEMO_CNN }, prompt: 'p1', train: { ...cnnTrain, batch_size: 5, max_epochs: 3 * o.epochs, min_epochs: 3 * o.epochs } },
  ];
  for (const step of plan) {
    const config = runConfig(o, step.name, step.model, step.root, step.dataset, step.prompt, step.train);
    const outcome = await runFinetune(config, { progress: o.progress, log });
    const test = outcome.tests[0]!;
    const label = typeof step.model === 'object' && 'family' in step.model ? (step.model.family === 'clipseg' ? 'small VLSM (CLIPSeg arch.)' : 'U-Net (small ResNet)') : String(step.model);
    rows.push({ dataset: step.dataset, model: label, prompt: label.startsWith('U-Net') ? '(image only)' : step.prompt.toUpperCase(), dice: test.dice });
    const { model } = await loadRunModel(config.out);
    if (o.placement) placeModel(model, o.placement);
    await writeOverlays(model, step.root, step.prompt, join(o.out, 'overlays', step.name), 4);
    model.dispose();
  }

  // A real pretrained CLIPSeg, if this machine has one cached: zero-shot on the BUSI sample.
  let pretrained: SegmentationModel | undefined;
  let missing = '';
  try {
    pretrained = await load('CIDAS/clipseg-rd64-refined', { offline: true });
    if (o.placement) placeModel(pretrained, o.placement);
  } catch (error) {
    missing = (error as Error).message.split('\n')[0]!;
  }
  if (pretrained) {
    log('found CIDAS/clipseg-rd64-refined in the local HuggingFace cache: evaluating it zero-shot on the BUSI sample');
    const recipe = resolveRecipe('clipseg', 'published');
    await withResults(join(o.out, 'vlsm-results.sqlite'), { kind: 'zeroshot', config: { model: 'CIDAS/clipseg-rd64-refined', data: [busi] }, model: 'CLIPSeg' }, async (store, id) => {
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
