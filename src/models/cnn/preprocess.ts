// Images → the CNN baselines' input: resize, scale to [0, 1], ImageNet mean/std.
//
// Two resize rules (TRAINING.md §1.1 and §7.20):
// - 'square' (default): every image to size × size, aspect ratio not kept. The paper gives the
//   CNNs a 256 input and nothing more; a square input is what the issue and the other families
//   (CLIPSeg 352², BiomedCLIPSeg 224²) use, and it lets a batch stack.
// - 'shorter-side': medvlsm HEAD passes `img_size: 256` as an int to torchvision's Resize, which
//   scales the shorter side to 256 and the longer one to ⌊256·long/short⌋. Images of different
//   aspect ratios then cannot share a batch, and smp rejects sides not divisible by 32 (a 622×530
//   Kvasir image becomes 300×256): kept for fidelity with that code, with those errors.
// Resampling is bilinear with antialiasing on 0–255 values, rounded back to 8 bits, which is how
// PIL's BILINEAR resize (torchvision's on PIL images) behaves; it matches PIL up to rounding.
import { DatasetError } from '../../errors.js';
import { torch } from '../../index.js';
import type { RgbImage } from '../../imaging/image-types.js';
import type { SegmentationBatch } from '../types.js';

const { F } = torch;
type Tensor = torch.Tensor;

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

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

/** One RGB image → [3, h, w] float32, normalised. */
export function imageToTensor(image: RgbImage, o: CnnPreprocessOptions = {}): Tensor {
  const [h, w] = resizedSize(image.height, image.width, o.size ?? 256, o.resize ?? 'square');
  return torch.scope(() => {
    const raw = torch.tensor(Float32Array.from(image.data), { shape: [image.height, image.width, 3] });
    let pixels = raw.permute(2, 0, 1).unsqueeze(0); // [1, 3, H0, W0] in 0..255
    if (h !== image.height || w !== image.width) {
      pixels = F.interpolate(pixels, { size: [h, w], mode: 'bilinear', alignCorners: false, antialias: true }).round().clamp(0, 255);
    }
    const mean = torch.tensor(Float32Array.from(IMAGENET_MEAN, (m) => m * 255), { shape: [1, 3, 1, 1] });
    const std = torch.tensor(Float32Array.from(IMAGENET_STD, (s) => s * 255), { shape: [1, 3, 1, 1] });
    return pixels.sub(mean).div(std).squeeze(0); // (x/255 − mean) / std, [3, h, w]
  });
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
  const pixelValues = torch.scope(() => torch.stack(images.map((im) => imageToTensor(im, o)), 0)); // [B, 3, h, w]
  return { pixelValues, originalSizes: images.map((im) => [im.height, im.width]) };
}
