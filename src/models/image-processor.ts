// Turning decoded images into normalised model input, as HuggingFace image processors and
// torchvision transforms do: resize (squash to the target size; PIL's antialiased filters for
// downscaling), round to 8 bits as a PIL image would, rescale, normalise.
import { z } from 'zod';
import * as torch from '../torch/index.js';
import type { RgbImage } from '../imaging/image-types.js';

type Tensor = torch.Tensor;

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;
export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

export interface ImageProcessorConfig {
  /** [height, width] after resizing. */
  size: [number, number];
  /** 'bilinear' (PIL resample 2) or 'bicubic' (3); antialiased when shrinking, as PIL. */
  resample: 'bilinear' | 'bicubic';
  /** Round resized pixels to 8 bits before rescaling (what a PIL round trip does). */
  roundTo8Bit: boolean;
  rescaleFactor: number;
  mean: readonly number[];
  std: readonly number[];
}

const size = z.union([
  z.number().int().positive(),
  z.object({ height: z.number().int().positive(), width: z.number().int().positive() }).passthrough(),
  z.object({ shortest_edge: z.number().int().positive() }).passthrough(),
]);

/** HuggingFace preprocessor_config.json (ViTImageProcessor / CLIPImageProcessor fields). */
export const preprocessorConfigSchema = z
  .object({
    do_resize: z.boolean().default(true),
    size: size.optional(),
    resample: z.number().int().default(2),
    do_rescale: z.boolean().default(true),
    rescale_factor: z.number().positive().default(1 / 255),
    do_normalize: z.boolean().default(true),
    image_mean: z.array(z.number()).length(3).optional(),
    image_std: z.array(z.number().positive()).length(3).optional(),
  })
  .passthrough();

/** Converts a parsed preprocessor_config.json, filling what it leaves out from `defaults`. */
export function fromPreprocessorConfig(json: z.infer<typeof preprocessorConfigSchema>, defaults: ImageProcessorConfig): ImageProcessorConfig {
  let resized = defaults.size;
  if (json.size !== undefined) {
    const given = json.size as number | { height?: number; width?: number; shortest_edge?: number };
    if (typeof given === 'number') resized = [given, given];
    else if (given.height !== undefined && given.width !== undefined) resized = [given.height, given.width];
    else if (given.shortest_edge !== undefined) resized = [given.shortest_edge, given.shortest_edge];
  }
  return {
    size: resized,
    resample: json.resample === 3 ? 'bicubic' : 'bilinear',
    roundTo8Bit: defaults.roundTo8Bit,
    rescaleFactor: json.do_rescale ? json.rescale_factor : 1,
    mean: json.do_normalize ? json.image_mean ?? defaults.mean : [0, 0, 0],
    std: json.do_normalize ? json.image_std ?? defaults.std : [1, 1, 1],
  };
}

/** One RGB image → [1, 3, H, W] float32 at its own size, values 0..255. */
export function imageToTensor(image: RgbImage): Tensor {
  return torch.scope(() => torch.tensor(image.data, { shape: [1, image.height, image.width, 3] }).permute([0, 3, 1, 2]).float().contiguous());
}

/** Images → normalised batch [B, 3, H, W] float32. */
export function processImages(images: readonly RgbImage[], config: ImageProcessorConfig): Tensor {
  return torch.scope(() => {
    const [height, width] = config.size;
    const resized = images.map((image) => {
      let x = imageToTensor(image);
      if (image.height !== height || image.width !== width) {
        x = torch.F.interpolate(x, { size: [height, width], mode: config.resample, alignCorners: false, antialias: true });
        if (config.roundTo8Bit) x = x.round().clamp(0, 255);
      }
      return x;
    });
    const batch = torch.cat(resized, 0).mul(config.rescaleFactor);
    const mean = torch.tensor([...config.mean]).view([1, 3, 1, 1]);
    const std = torch.tensor([...config.std]).view([1, 3, 1, 1]);
    return batch.sub(mean).div(std);
  });
}
