// bf16 against float32 masks on the bundled BUSI sample, for a CLIPSeg-architecture model trained
// briefly on it here (trained weights, not random ones: random logits hover around 0 and any
// rounding flips them). IoU of the two binary masks per image; the mean and the worst image.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { torch } from '../src/index.js';
import { readGrayImage, readRgbImage } from '../src/imaging/read-image.js';
import { resizeNearest } from '../src/imaging/resize.js';
import { clipsegFromConfig } from '../src/models/clipseg/family.js';
import { packageRoot } from '../src/package-root.js';
import { segmentationLoss } from '../src/train/losses.js';

/** CLIPSeg's architecture, small enough to train on two shared cores in well under a minute. */
const SMALL_CLIPSEG = {
  text_config: { hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4 },
  vision_config: { hidden_size: 96, intermediate_size: 192, num_hidden_layers: 4, num_attention_heads: 4, image_size: 128, patch_size: 16 },
  projection_dim: 64,
  extract_layers: [1, 2, 3],
  reduce_dim: 32,
  decoder_num_attention_heads: 4,
  decoder_intermediate_size: 64,
};

export interface Agreement { mean: number; min: number; images: number; steps: number; final_loss: number }

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

export async function clipsegAgreement(steps = 80, size = 128): Promise<Agreement> {
  const source = join(packageRoot(), 'assets', 'busi-sample');
  const entries = JSON.parse(readFileSync(join(source, 'anns.json'), 'utf8')) as { img_name: string; mask_name: string; prompts: { p1: string } }[];
  const images = await Promise.all(entries.map((e) => readRgbImage(join(source, 'images', e.img_name))));
  const masks = await Promise.all(entries.map((e) => readGrayImage(join(source, 'masks', e.mask_name))));
  const prompts = entries.map((e) => e.prompts.p1);
  torch.manualSeed(0);
  const model = clipsegFromConfig(SMALL_CLIPSEG, [size, size]);
  const target = new Float32Array(entries.length * size * size);
  masks.forEach((m, i) => resizeNearest(m, size, size).data.forEach((v, p) => (target[i * size * size + p] = v > 127 ? 1 : 0)));
  const targets = torch.tensor(target, { shape: [entries.length, size, size] }).keep();
  const batch = model.preprocess(images, prompts);
  const optimizer = new torch.optim.Adam(model.module.parameters(), { lr: 2e-3 });
  model.module.train();
  let finalLoss = Number.NaN;
  for (let step = 0; step < steps; step++) {
    finalLoss = torch.scope(() => {
      optimizer.zeroGrad();
      const loss = segmentationLoss(model.forward(batch), targets, { dice: 1, bce: 1 });
      loss.backward();
      optimizer.step();
      return loss.item() as number;
    });
  }
  model.module.eval();
  const fp32 = model.predictBatch(images, prompts);
  torch.castWeightsForAutocast(model.module, 'bfloat16');
  const bf16 = torch.autocast({ deviceType: 'cpu', dtype: 'bfloat16' }, () => model.predictBatch(images, prompts));
  const scores = fp32.map((p, i) => iou(p.mask.data, bf16[i]!.mask.data));
  model.dispose();
  targets.dispose();
  torch.dispose(batch.pixelValues, batch.inputIds, batch.attentionMask);
  return { mean: scores.reduce((a, b) => a + b, 0) / scores.length, min: Math.min(...scores), images: scores.length, steps, final_loss: finalLoss };
}
