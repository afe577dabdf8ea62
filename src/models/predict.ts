// One image, one prompt, one mask at the image's own size: what a clinician typing a prompt wants.
// The work is the model's (models/base.ts); these functions are the same calls in function form.
import type { RgbImage } from '../imaging/image-types.js';
import type { PostprocessOptions, Prediction, SegmentationModel } from './types.js';

export type { Prediction } from './types.js';

/**
 * Segments each image with its prompt in one batch: preprocess, forward in inference mode, logits
 * resampled to the original size (the family's way unless `resample` is given), sigmoid, threshold
 * (the model's default unless given).
 */
export function predictBatch(model: SegmentationModel, images: readonly RgbImage[], prompts: readonly string[], o: PostprocessOptions = {}): Prediction[] {
  return model.predictBatch(images, prompts, o);
}

export function predict(model: SegmentationModel, image: RgbImage, prompt: string, o: PostprocessOptions = {}): Prediction {
  return model.predict(image, prompt, o);
}
