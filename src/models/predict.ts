// One image, one prompt, one mask at the image's own size: what a clinician typing a prompt wants.
import * as torch from '../torch/index.js';
import type { GrayImage, RgbImage } from '../imaging/image-types.js';
import type { SegmentationModel } from './types.js';

export interface Prediction {
  /** 0/255 mask at the image's original size. */
  mask: GrayImage;
  /** sigmoid(logits) at the original size, row-major. */
  probabilities: Float32Array;
  /** Logits at the original size [h, w]; the caller owns (disposes) it when `keepLogits` is set. */
  logits?: torch.Tensor;
}

/**
 * Segments each image with its prompt in one batch: preprocess, forward in inference mode, logits
 * resized to the original size, sigmoid, threshold (the model's default unless given).
 */
export function predictBatch(model: SegmentationModel, images: readonly RgbImage[], prompts: readonly string[], o: { threshold?: number; keepLogits?: boolean } = {}): Prediction[] {
  const threshold = o.threshold ?? model.threshold;
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`threshold must be in [0, 1], got ${threshold}`);
  return torch.inferenceMode(() => torch.scope(() => {
    const batch = model.preprocess(images, prompts);
    const logits = model.forward(batch);
    const resized = model.logitsToOriginal(logits, batch.originalSizes);
    return resized.map((l, i) => {
      const probabilities = l.sigmoid().data() as Float32Array;
      const data = new Uint8Array(probabilities.length);
      for (let p = 0; p < data.length; p++) data[p] = probabilities[p]! > threshold ? 255 : 0;
      const { width, height } = images[i]!;
      return { mask: { width, height, data }, probabilities, ...(o.keepLogits ? { logits: l.keep() } : {}) };
    });
  }));
}

export function predict(model: SegmentationModel, image: RgbImage, prompt: string, o: { threshold?: number } = {}): Prediction {
  return predictBatch(model, [image], [prompt], o)[0]!;
}
