// Evaluating a model on prompted samples: per item, Dice and IoU at the original image size (the
// paper's tables) and at model resolution (what training logs), optionally writing the masks.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ProgressBar } from '../progress.js';
import * as torch from '../torch/index.js';
import { writeGrayPng } from '../imaging/write-image.js';
import { thresholdLogits, type Resample } from '../models/resample.js';
import { inferLogits } from '../models/precision.js';
import type { SegmentationModel } from '../models/types.js';
import { isLastTemplate, type PromptedSample } from '../prompts/prompted-samples.js';
import { batchesOf, decodeSample, makeBatch } from '../train/batches.js';
import { batchMaskCounts, maskCounts, metricsFromCounts, type EmptyEmpty, type ItemMetrics } from './metrics.js';

export interface EvaluateOptions {
  threshold?: number;
  /** How predictions reach the original size (default: the model family's, `model.resample`). */
  resample?: Resample;
  batchSize?: number;
  emptyEmpty?: EmptyEmpty;
  /**
   * Write each predicted mask (0/255 PNG at the original size) under this folder. Of an item scored
   * with several templates only the last template's mask is written (the fork's saved prediction).
   */
  masksDir?: string;
  progress?: boolean;
  label?: string;
}

export interface EvaluatedItem extends ItemMetrics {
  id: string;
  maskName: string;
  promptKey: string;
  text: string;
  /** The text's index in its prompt's template list, of `templateCount` (from the sample). */
  template?: number;
  templateCount?: number;
  /** Dice at model resolution (the mask resized nearest-exact to the model input). */
  diceModelRes: number;
}

/** Runs `model` over `samples` in inference mode and scores every item. */
export async function evaluate(model: SegmentationModel, samples: readonly PromptedSample[], o: EvaluateOptions = {}): Promise<EvaluatedItem[]> {
  const threshold = o.threshold ?? model.threshold;
  const resample = o.resample ?? model.resample;
  const items: EvaluatedItem[] = [];
  const bar = o.progress ? new ProgressBar({ label: o.label ?? 'evaluate', total: samples.length, unit: 'images' }) : undefined;
  model.module.eval();
  for (const chunk of batchesOf(samples, o.batchSize ?? 8)) {
    const decoded = await Promise.all(chunk.map(decodeSample));
    const predictions = torch.inferenceMode(() => torch.scope(() => {
      const tb = makeBatch(model, decoded);
      const logits = inferLogits(model, tb.batch);
      const atModelRes = batchMaskCounts(thresholdLogits(logits, threshold), tb.masks, { emptyEmpty: o.emptyEmpty, threshold: 0.5 });
      // The model's own post-processing, as predict, `vlsm segment` and `vlsm serve` use it.
      const masks = model.postprocess(logits, tb.batch.originalSizes, { threshold, resample });
      return decoded.map((d, i) => {
        const predicted = masks[i]!.mask.data;
        const counts = maskCounts(predicted, d.mask.data, { emptyEmpty: o.emptyEmpty, threshold: 0 });
        return { predicted, counts, modelRes: metricsFromCounts(atModelRes[i]!, { emptyEmpty: o.emptyEmpty }).dice };
      });
    }));
    for (const [i, d] of decoded.entries()) {
      const p = predictions[i]!;
      const entry = d.sample;
      items.push({
        id: entry.record.id,
        maskName: entry.record.maskPaths[0] ?? entry.record.id,
        promptKey: entry.promptKey,
        text: entry.text,
        ...(entry.template === undefined ? {} : { template: entry.template, templateCount: entry.templateCount }),
        ...metricsFromCounts(p.counts, { emptyEmpty: o.emptyEmpty }),
        diceModelRes: p.modelRes,
      });
      if (o.masksDir && isLastTemplate(entry)) {
        const out = join(o.masksDir, `${entry.record.id.replace(/\.[^./]+$/, '')}.png`);
        await mkdir(dirname(out), { recursive: true });
        await writeGrayPng(out, { width: d.image.width, height: d.image.height, data: p.predicted });
      }
    }
    bar?.update(items.length);
  }
  bar?.done();
  return items;
}
