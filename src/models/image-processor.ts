// Turning decoded images into normalised model input, in the order HuggingFace's PIL image
// processors use: resize (Pillow's filters, bit for bit: imaging/pil-resize.ts), centre crop,
// rescale (in float64, then float32), normalise (float32). torchvision's Resize on a PIL image
// followed by ToTensor and Normalize gives the same pixels (ToTensor divides by 255 in float32,
// which can sit one float32 ulp from multiplying by 1/255 in float64).
import * as torch from '../torch/index.js';
import type { RgbImage } from '../imaging/image-types.js';
import { pilResize, type PilFilter } from '../imaging/pil-resize.js';

type Tensor = torch.Tensor;

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;
export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

/**
 * How each image is resized, as a HuggingFace `size` dict says it:
 * - `{ height, width }`: to exactly that (aspect ratio not kept);
 * - `{ shortestEdge }`: the shorter side to shortestEdge, the longer ⌊shortestEdge·long/short⌋;
 * - `{ shortestEdge, longestEdge }`: as above, unless the longer side would pass longestEdge, then
 *   scaled so that it does not (transformers' get_size_with_aspect_ratio);
 * - `{ longestEdge }`: the longer side to longestEdge, the shorter ⌊longestEdge·short/long⌋;
 * - `{ maxHeight, maxWidth }`: the largest aspect-preserving size within both.
 */
export type SizeRule =
  | { height: number; width: number }
  | { shortestEdge: number; longestEdge?: number }
  | { longestEdge: number }
  | { maxHeight: number; maxWidth: number };

export interface ImageProcessorConfig {
  /**
   * The model input [height, width] (what a model reports as inputSize). Images are squashed to it
   * unless `resize` says otherwise; when the rule gives each image its own size, this is nominal.
   */
  size: [number, number];
  /** How images are resized: default, squash to `size`; null, not resized (do_resize false). */
  resize?: SizeRule | null;
  /** Centre crop [height, width] after resizing, zero-padded where the image is smaller. */
  centerCrop?: [number, number] | null;
  /** Pillow filter for the resize. */
  resample: PilFilter;
  /** Pixel values are multiplied by this (1 when do_rescale is false). */
  rescaleFactor: number;
  /** Per-channel normalisation; [0, 0, 0] and [1, 1, 1] when do_normalize is false. */
  mean: readonly number[];
  std: readonly number[];
}

/** The [height, width] an image of `height` × `width` is resized to under `rule` (null: unchanged). */
export function sizeAfterResize(height: number, width: number, rule: SizeRule | null): [number, number] {
  if (rule === null) return [height, width];
  if ('height' in rule) return [rule.height, rule.width];
  if ('maxHeight' in rule) {
    const scale = Math.min(rule.maxHeight / height, rule.maxWidth / width);
    return [Math.max(1, Math.trunc(height * scale)), Math.max(1, Math.trunc(width * scale))];
  }
  if ('shortestEdge' in rule) return shortestEdgeSize(height, width, rule.shortestEdge, rule.longestEdge);
  const long = Math.max(height, width);
  const short = Math.max(1, Math.trunc((rule.longestEdge * Math.min(height, width)) / long));
  return height >= width ? [rule.longestEdge, short] : [short, rule.longestEdge];
}

function shortestEdgeSize(height: number, width: number, shortest: number, longest: number | undefined): [number, number] {
  if (longest === undefined) {
    // transformers' get_resize_output_image_size(default_to_square=False), torchvision's Resize(int).
    const [short, long] = width <= height ? [width, height] : [height, width];
    const newLong = Math.trunc((shortest * long) / short);
    return width <= height ? [newLong, shortest] : [shortest, newLong];
  }
  // transformers' get_size_with_aspect_ratio(image_size, shortest_edge, longest_edge).
  let size = shortest;
  let raw: number | undefined;
  const minSide = Math.min(height, width);
  const maxSide = Math.max(height, width);
  if ((maxSide / minSide) * size > longest) {
    raw = (longest * minSide) / maxSide;
    size = pythonRound(raw);
  }
  if ((height <= width && height === size) || (width <= height && width === size)) return [height, width];
  if (width < height) return [Math.trunc(((raw ?? size) * height) / width), size];
  return [size, Math.trunc(((raw ?? size) * width) / height)];
}

/** Python's round(): halves to even. */
function pythonRound(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * transformers' center_crop on an 8-bit image: top = ⌊(H - h)/2⌋, left = ⌊(W - w)/2⌋; where the
 * crop reaches past the image it is padded with zeros (before rescaling and normalising).
 */
export function centerCropImage(image: RgbImage, height: number, width: number): RgbImage {
  if (image.height === height && image.width === width) return image;
  // Place the image on a canvas at least as large as the crop, then cut the crop out of it.
  const canvasH = Math.max(height, image.height);
  const canvasW = Math.max(width, image.width);
  const padTop = Math.ceil((canvasH - image.height) / 2);
  const padLeft = Math.ceil((canvasW - image.width) / 2);
  const top = Math.floor((image.height - height) / 2) + padTop;
  const left = Math.floor((image.width - width) / 2) + padLeft;
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = y + top - padTop; // row in the image
    if (sy < 0 || sy >= image.height) continue;
    for (let x = 0; x < width; x++) {
      const sx = x + left - padLeft;
      if (sx < 0 || sx >= image.width) continue;
      const from = 3 * (sy * image.width + sx);
      const to = 3 * (y * width + x);
      out[to] = image.data[from]!;
      out[to + 1] = image.data[from + 1]!;
      out[to + 2] = image.data[from + 2]!;
    }
  }
  return { width, height, data: out };
}

/** One image resized and cropped as `config` says, still 8-bit. */
export function resizeAndCrop(image: RgbImage, config: ImageProcessorConfig): RgbImage {
  const rule = config.resize === undefined ? { height: config.size[0], width: config.size[1] } : config.resize;
  const [height, width] = sizeAfterResize(image.height, image.width, rule);
  let out = height === image.height && width === image.width ? image : pilResize(image, width, height, config.resample);
  if (config.centerCrop) out = centerCropImage(out, config.centerCrop[0], config.centerCrop[1]);
  return out;
}

/** One RGB image → [1, 3, H, W] float32 at its own size, values 0..255. */
export function imageToTensor(image: RgbImage): Tensor {
  return torch.scope(() => torch.tensor(image.data, { shape: [1, image.height, image.width, 3] }).permute([0, 3, 1, 2]).float().contiguous());
}

/** Images → normalised batch [B, 3, H, W] float32. All images must come out the same size. */
export function processImages(images: readonly RgbImage[], config: ImageProcessorConfig): Tensor {
  if (images.length === 0) throw new RangeError('processImages: no images given');
  images.forEach((image, i) => {
    if (image.data.length !== image.width * image.height * 3) {
      throw new RangeError(`processImages: image ${i} holds ${image.data.length} bytes, a ${image.width}×${image.height} RGB image needs ${image.width * image.height * 3}`);
    }
  });
  const prepared = images.map((image) => resizeAndCrop(image, config));
  const { height, width } = prepared[0]!;
  const odd = prepared.findIndex((p) => p.height !== height || p.width !== width);
  if (odd >= 0) {
    throw new RangeError(
      `processImages: image ${odd} (${images[odd]!.width}×${images[odd]!.height}) becomes ${prepared[odd]!.width}×${prepared[odd]!.height} but image 0 becomes ${width}×${height}; ` +
        'a batch needs one size: preprocess these images separately, or use a processor with a fixed output size',
    );
  }
  const pixels = new Uint8Array(prepared.length * height * width * 3);
  prepared.forEach((p, i) => pixels.set(p.data, i * p.data.length));
  return torch.scope(() => {
    const bytes = torch.tensor(pixels, { shape: [prepared.length, height, width, 3] }).permute([0, 3, 1, 2]);
    // HuggingFace rescales in float64 and stores float32; normalises in float32.
    const scaled = config.rescaleFactor === 1 ? bytes.float() : bytes.double().mul(config.rescaleFactor).float();
    const mean = torch.tensor(Float32Array.from(config.mean), { shape: [1, 3, 1, 1] });
    const std = torch.tensor(Float32Array.from(config.std), { shape: [1, 3, 1, 1] });
    return scaled.sub(mean).div(std).contiguous();
  });
}
