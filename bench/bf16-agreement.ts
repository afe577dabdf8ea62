// bf16 against float32 masks on the bundled BUSI sample, for a small model of a family trained
// briefly on it here (trained weights, not random ones: random logits hover around 0 and any
// rounding flips them). IoU of the two binary masks per image; the mean and the worst image.
// The foreground share of the masks is reported beside it: all-empty or all-full masks would
// agree trivially.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { torch } from '../src/index.js';
import { readGrayImage, readRgbImage } from '../src/imaging/read-image.js';
import { resizeNearest } from '../src/imaging/resize.js';
import type { SegmentationModel } from '../src/models/types.js';
import { packageRoot } from '../src/package-root.js';
import { segmentationLoss } from '../src/train/losses.js';

export interface Agreement {
  mean: number;
  min: number;
  images: number;
  steps: number;
  prompt: string;
  final_loss: number;
  /** Share of foreground pixels in the float32 masks (the ground truth's share beside it). */
  foreground_fraction: number;
  target_foreground_fraction: number;
  train_s: number;
}

export interface AgreementTraining {
  steps: number;
  lr: number;
  /** torch.manualSeed before the model is built. */
  seed: number;
  /**
   * The sample's prompt type (anns.json p1 … p6; of a pair, the first). p1 is one sentence for
   * every image; a family that normalises the sentence embedding over the batch (CRIS's BatchNorm1d)
   * needs prompts that differ, else its batch variance is 0.
   */
  prompt: 'p1' | 'p4' | 'p5' | 'p6';
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! > 0;
    const y = b[i]! > 0;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}

const foregroundShare = (masks: readonly Uint8Array[]): number => {
  let on = 0;
  let all = 0;
  for (const m of masks) {
    for (const v of m) if (v > 0) on++;
    all += m.length;
  }
  return on / all;
};

/** Trains `build()`'s model full-batch on the sample (Dice + BCE, Adam), then compares fp32 and bf16 masks. */
export async function bf16Agreement(build: () => SegmentationModel, o: AgreementTraining): Promise<Agreement> {
  const source = join(packageRoot(), 'assets', 'busi-sample');
  const entries = JSON.parse(readFileSync(join(source, 'anns.json'), 'utf8')) as { img_name: string; mask_name: string; prompts: Record<string, string | string[]> }[];
  const images = await Promise.all(entries.map((e) => readRgbImage(join(source, 'images', e.img_name))));
  const masks = await Promise.all(entries.map((e) => readGrayImage(join(source, 'masks', e.mask_name))));
  const prompts = entries.map((e) => [e.prompts[o.prompt] ?? ''].flat()[0]!);
  torch.manualSeed(o.seed);
  const model = build();
  const [height, width] = model.inputSize;
  let targets: torch.Tensor;
  if (model.customGeometry && model.targetMasks) {
    targets = model.targetMasks(masks.map((m) => ({ ...m, data: m.data.map((v) => (v > 127 ? 1 : 0)) }))).keep();
  } else {
    const target = new Float32Array(entries.length * height * width);
    masks.forEach((m, i) => resizeNearest(m, width, height).data.forEach((v, p) => (target[i * height * width + p] = v > 127 ? 1 : 0)));
    targets = torch.tensor(target, { shape: [entries.length, height, width] }).keep();
  }
  const batch = model.preprocess(images, prompts);
  const optimizer = new torch.optim.Adam(model.module.parameters(), { lr: o.lr });
  model.module.train();
  const started = performance.now();
  let finalLoss = Number.NaN;
  for (let step = 0; step < o.steps; step++) {
    finalLoss = torch.scope(() => {
      optimizer.zeroGrad();
      const loss = segmentationLoss(model.forward(batch), targets, { dice: 1, bce: 1 });
      loss.backward();
      optimizer.step();
      return loss.item() as number;
    });
  }
  const trainS = (performance.now() - started) / 1000;
  model.module.eval();
  const fp32 = model.predictBatch(images, prompts);
  torch.castWeightsForAutocast(model.module, 'bfloat16');
  const bf16 = torch.autocast({ deviceType: 'cpu', dtype: 'bfloat16' }, () => model.predictBatch(images, prompts));
  const scores = fp32.map((p, i) => iou(p.mask.data, bf16[i]!.mask.data));
  model.dispose();
  targets.dispose();
  torch.dispose(batch.pixelValues, batch.inputIds, batch.attentionMask);
  return {
    mean: scores.reduce((a, b) => a + b, 0) / scores.length,
    min: Math.min(...scores),
    images: scores.length,
    steps: o.steps,
    prompt: o.prompt,
    final_loss: finalLoss,
    foreground_fraction: foregroundShare(fp32.map((p) => p.mask.data)),
    target_foreground_fraction: foregroundShare(masks.map((m) => m.data.map((v) => (v > 127 ? 1 : 0)))),
    train_s: trainS,
  };
}
