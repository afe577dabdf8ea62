// Images → the CNN baselines' input: resize, scale to [0, 1], ImageNet mean/std.
//
// Two resize rules (docs/training.md §1.1 and §7 item 20):
// - 'square' (default): every image to size × size, aspect ratio not kept. The paper gives the
//   CNNs a 256 input and nothing more; a square input is what the issue and the other families
//   (CLIPSeg 352², BiomedCLIPSeg 224²) use, and it lets a batch stack.
// - 'shorter-side': medvlsm HEAD passes `img_size: 256` as an int to torchvision's Resize, which
//   scales the shorter side to 256 and the longer one to ⌊256·long/short⌋. Images of different
//   aspect ratios then cannot share a batch, and smp rejects sides not divisible by 32 (a 622×530
//   Kvasir image becomes 300×256): kept for fidelity with that code, with those errors.
// Resampling is the shared image processor's (models/image-processor.ts): Pillow's BILINEAR resize,
// bit for bit, which is what torchvision's Resize does to the reference's PIL images.
import { DatasetError } from '../../errors.js';
import type * as torch from '../../torch/index.js';
import type { RgbImage } from '../../imaging/image-types.js';
import { IMAGENET_MEAN, IMAGENET_STD, processImages, type ImageProcessorConfig } from '../image-processor.js';
import type { SegmentationBatch } from '../types.js';

type Tensor = torch.Tensor;

export type CnnResize = 'square' | 'shorter-side';

export interface CnnPreprocessOptions {
  /** Target side (default 256). */
  size?: number;
  resize?: CnnResize;
}

/** The model-input size [height, width] of an image of `height` × `width`, under `resize`. */
export function resizedSize(height: number, width: number, size = 256, resize: CnnResize = 'square'): [number, number] {
  if (resize === 'square') return [size, size];
  // torchvision.transforms.functional._compute_resized_output_size with an int size.
  if (width <= height) return [Math.floor((size * height) / width), size];
  return [size, Math.floor((size * width) / height)];
}

/** The shared image processor's settings for one output size: Pillow bilinear, ImageNet statistics. */
export function cnnImageProcessor(size: [number, number]): ImageProcessorConfig {
  return { size, resample: 'bilinear', rescaleFactor: 1 / 255, mean: IMAGENET_MEAN, std: IMAGENET_STD };
}

/**
 * Images → a batch [B, 3, h, w] with their original sizes. All images must come out the same size
 * (always true for 'square').
 */
export function preprocessCnnImages(images: readonly RgbImage[], o: CnnPreprocessOptions = {}): SegmentationBatch {
  if (images.length === 0) throw new RangeError('preprocessCnnImages: no images');
  const sizes = images.map((im) => resizedSize(im.height, im.width, o.size ?? 256, o.resize ?? 'square'));
  const first = sizes[0];
  const odd = sizes.findIndex(([h, w]) => h !== first[0] || w !== first[1]);
  if (odd >= 0) {
    throw new DatasetError(
      `preprocessCnnImages: image ${odd} (${images[odd].width}×${images[odd].height}) resizes to ${sizes[odd][1]}×${sizes[odd][0]} but image 0 to ${first[1]}×${first[0]}; ` +
        `with resize 'shorter-side' a batch needs one aspect ratio: use resize 'square' or batch size 1`,
    );
  }
  const pixelValues: Tensor = processImages(images, cnnImageProcessor(first)); // [B, 3, h, w]
  return { pixelValues, originalSizes: images.map((im) => [im.height, im.width]) };
}
