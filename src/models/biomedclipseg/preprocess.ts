// Images and prompts to BiomedCLIPSeg's inputs, as medvlsm does
// (docs/training.md §1.1, BiomedCLIPSeg row): squash to 224×224 (torchvision Resize on a PIL
// image, i.e. Pillow's BILINEAR resize; no aspect ratio kept), ToTensor, Normalize with CLIP's
// mean/std; the BiomedCLIP WordPiece tokenizer with max_length 256, truncation and padding to
// max_length. (Predictions go back with nearest-exact: the family's resample, models/resample.ts.)
import * as torch from '../../torch/index.js';
import type { RgbImage } from '../../imaging/image-types.js';
import { pilResize } from '../../imaging/pil-resize.js';
import { toTensors, type WordPieceTokenizer } from '../../tokenizers/index.js';

type Tensor = torch.Tensor;

export interface PixelOptions {
  /** Square model input side (the ViT's image_size, 224). */
  size: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  device?: torch.Device;
}

/**
 * RGB images → [B, 3, size, size] float32: each image resized to size×size with Pillow's
 * BILINEAR filter, bit for bit (untouched when it already has that size), then
 * (u8 / 255 - mean) / std in float32. It divides by 255 in float32 as torchvision's ToTensor does,
 * so the result equals Resize + ToTensor + Normalize on a PIL image bit for bit; image-processor.ts's
 * processImages multiplies by 1/255 in float64 as HuggingFace processors do, one float32 ulp away
 * on some pixels.
 */
export function imagesToPixelValues(images: readonly RgbImage[], o: PixelOptions): Tensor {
  if (images.length === 0) throw new RangeError('BiomedCLIPSeg preprocess: no images given');
  return torch.scope(() => {
    const rows = images.map((image, i) => {
      if (image.data.length !== image.width * image.height * 3) {
        throw new RangeError(`BiomedCLIPSeg preprocess: image ${i} holds ${image.data.length} bytes, a ${image.width}×${image.height} RGB image needs ${image.width * image.height * 3}`);
      }
      const resized = pilResize(image, o.size, o.size, 'bilinear');
      return torch.tensor(resized.data, { shape: [1, o.size, o.size, 3] }).permute([0, 3, 1, 2]).float();
    });
    const mean = torch.tensor(Float32Array.from(o.mean), { shape: [1, 3, 1, 1] });
    const std = torch.tensor(Float32Array.from(o.std), { shape: [1, 3, 1, 1] });
    const pixels = torch.cat(rows, 0).div(255).sub(mean).div(std);
    return o.device === undefined || o.device === 'cpu' ? pixels : pixels.to(o.device);
  });
}

/** Prompts → inputIds and attentionMask [B, contextLength] int64 ([CLS] pieces [SEP] [PAD]…). */
export function promptsToTokens(tokenizer: WordPieceTokenizer, prompts: readonly string[], contextLength: number, device?: torch.Device): { inputIds: Tensor; attentionMask: Tensor } {
  const encoded = toTensors(tokenizer.encode(prompts, { contextLength, padding: 'max_length', truncation: true }));
  if (device === undefined || device === 'cpu') return encoded;
  return torch.scope(() => ({ inputIds: encoded.inputIds.to(device), attentionMask: encoded.attentionMask.to(device) }));
}
