// Images and prompts → CRIS input.
//
// Images: medvlsm HEAD's CRIS pipeline (docs/training.md §1.1): squash-resize to the
// model input (416 × 416, aspect ratio not kept), 0..1, CLIP mean / std. The resize is torchvision's
// Resize on a PIL image, i.e. Pillow's BILINEAR resize, which vlsm reproduces bit for bit
// (models/image-processor.ts, imaging/pil-resize.ts). With input.resize 'letterbox', the published
// fork's pipeline instead: scale by min(416/h, 416/w), centred, cubic, padded with the mean
// (models/cris/letterbox.ts, which also says where it differs from cv2.warpAffine; that path is
// cv2's, not Pillow's, and keeps its own resampling).
// Prompts: CRIS's tokenizer conventions (src/tokenizers/cris-tokenize.ts): zero padding to
// text.word_len by default, or medvlsm HEAD's HuggingFace padding to 77 with <|endoftext|>.
import * as torch from '../../torch/index.js';
import type { RgbImage } from '../../imaging/image-types.js';
import type { ClipTokenizer } from '../../tokenizers/clip-bpe.js';
import { crisTokenize } from '../../tokenizers/cris-tokenize.js';
import { idsToTensor } from '../../tokenizers/tensors.js';
import { processImages, type ImageProcessorConfig } from '../image-processor.js';
import { letterboxImages } from './letterbox.js';
import type { SegmentationBatch } from '../types.js';
import type { CRISConfig } from './config.js';

/** The squash pipeline of a CRIS config: resize to input.image_size, bilinear, CLIP statistics (input.resize 'squash'). */
export function crisImageProcessing(config: CRISConfig): ImageProcessorConfig {
  return {
    size: [config.input.image_size[0], config.input.image_size[1]],
    resample: 'bilinear',
    rescaleFactor: 1 / 255,
    mean: config.input.pixel_mean,
    std: config.input.pixel_std,
  };
}

/** Decoded images → normalised [B, 3, H, W] as input.resize says: squash (medvlsm HEAD) or letterbox (the fork). */
export function crisImages(images: readonly RgbImage[], config: CRISConfig): torch.Tensor {
  if (config.input.resize === 'letterbox') {
    return letterboxImages(images, { size: config.input.image_size, mean: config.input.pixel_mean, std: config.input.pixel_std, roundTo8Bit: true });
  }
  return processImages(images, crisImageProcessing(config));
}

/**
 * Token ids [B, L] int64 for CRIS, with its attention mask (1 on real tokens). Under the 'cris'
 * convention L = text.word_len and padding is 0, which the model's padding mask (ids == 0) hides.
 */
export function crisTokenTensors(tokenizer: ClipTokenizer, prompts: readonly string[], config: CRISConfig): { inputIds: torch.Tensor; attentionMask: torch.Tensor } {
  const encoding = crisTokenize(tokenizer, prompts, { wordLength: config.text.word_len, convention: config.tokenizer_convention });
  return { inputIds: idsToTensor(encoding.inputIds, 'inputIds'), attentionMask: idsToTensor(encoding.attentionMask, 'attentionMask') };
}

/**
 * Decoded images and one prompt per image (or one image and several prompts) → a batch.
 * `originalSizes` has one entry per prompt, so outputs map back per prompt.
 */
export function crisPreprocess(images: readonly RgbImage[], prompts: readonly string[], tokenizer: ClipTokenizer, config: CRISConfig): SegmentationBatch {
  if (images.length !== prompts.length && images.length !== 1) {
    throw new RangeError(`CRIS.preprocess: ${images.length} images but ${prompts.length} prompts; give one prompt per image, or one image`);
  }
  if (prompts.length === 0) throw new RangeError('CRIS.preprocess: no prompts; give one prompt per image');
  const { inputIds, attentionMask } = crisTokenTensors(tokenizer, prompts, config);
  const sizes = images.map((image): [number, number] => [image.height, image.width]);
  return {
    pixelValues: crisImages(images, config),
    inputIds,
    attentionMask,
    originalSizes: images.length === prompts.length ? sizes : prompts.map(() => sizes[0]),
  };
}
