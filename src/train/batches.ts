// From prompted samples to model-ready batches: decode images and masks, preprocess through the
// model, masks to the model resolution (Pillow's NEAREST, as the reference's Resize on PIL masks),
// and a seeded order.
import type { GrayImage, RgbImage } from '../imaging/image-types.js';
import { pilResize } from '../imaging/pil-resize.js';
import { readGrayImage, readRgbImage } from '../imaging/read-image.js';
import * as torch from '../torch/index.js';
import type { SegmentationBatch, SegmentationModel } from '../models/types.js';
import type { PromptedSample } from '../prompts/prompted-samples.js';
import { createRandom } from '../data/seeded-random.js';
import { DatasetError } from '../errors.js';

type Tensor = torch.Tensor;

export interface DecodedSample {
  sample: PromptedSample;
  image: RgbImage;
  /** The union of the record's masks, 0/1. */
  mask: GrayImage;
}

/** Reads a sample's image and masks; several masks of one record are merged (union). */
export async function decodeSample(sample: PromptedSample): Promise<DecodedSample> {
  const image = await readRgbImage(sample.record.imagePath);
  const masks = await Promise.all(sample.record.maskPaths.map((p) => readGrayImage(p)));
  const data = new Uint8Array(image.width * image.height);
  for (const [i, m] of masks.entries()) {
    if (m.width !== image.width || m.height !== image.height) {
      throw new DatasetError(`${sample.record.maskPaths[i]}: mask is ${m.width}x${m.height} but its image ${sample.record.imagePath} is ${image.width}x${image.height}`, sample.record.maskPaths[i]);
    }
    // > 127: JPEG masks (Kvasir) are not strictly binary.
    for (let p = 0; p < data.length; p++) if (m.data[p]! > 127) data[p] = 1;
  }
  return { sample, image, mask: { width: image.width, height: image.height, data } };
}

/**
 * Masks [B, H, W] float32 at `size`, resized with Pillow's NEAREST (source ⌊(i + ½)·in/out⌋ as
 * Pillow accumulates it; libtorch's nearest-exact, computed in float32, picks other source pixels
 * for some sizes, e.g. 640×480 → 352²).
 */
export function masksToTensor(masks: readonly GrayImage[], size: readonly [number, number]): Tensor {
  return torch.scope(() => {
    const resized = masks.map((m) => {
      const r = pilResize(m, size[1], size[0], 'nearest');
      return torch.tensor(r.data, { shape: [1, size[0], size[1]] }).float();
    });
    return torch.cat(resized, 0);
  });
}

export interface TrainingBatch {
  samples: DecodedSample[];
  batch: SegmentationBatch;
  /** [B, H, W] at the model's input size. */
  masks: Tensor;
}

/** A batch and its target masks, both on the model's device (so losses and metrics are computed there). */
export function makeBatch(model: SegmentationModel, decoded: DecodedSample[]): TrainingBatch {
  return torch.scope(() => {
    const masks = model.customGeometry && model.targetMasks ? model.targetMasks(decoded.map((d) => d.mask)) : masksToTensor(decoded.map((d) => d.mask), model.inputSize);
    const device = model.device;
    return {
      samples: decoded,
      batch: model.preprocess(decoded.map((d) => d.image), decoded.map((d) => d.sample.text)),
      masks: masks.device === device ? masks : masks.to({ device }),
    };
  });
}

/** A permutation of 0..n-1 drawn from (seed, epoch): the same epoch always has the same order. */
export function epochOrder(n: number, seed: number, epoch: number): number[] {
  const rng = createRandom(`order\u0000${seed}\u0000${epoch}`);
  const order = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Splits `order` into batches of `size` (the last may be smaller). */
export function batchesOf<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
