// Images and prompts to BiomedCLIPSeg's inputs, and logits back to image sizes, as medvlsm does
// (docs/training.md §1.1, BiomedCLIPSeg row): squash to 224×224 (torchvision Resize on a PIL
// image, bilinear with antialiasing; no aspect ratio kept), ToTensor, Normalize with CLIP's
// mean/std; the BiomedCLIP WordPiece tokenizer with max_length 256, truncation and padding to
// max_length; predictions resized back with nearest-exact.
import { torch } from '../../index.js';
import type { RgbImage } from '../../imaging/image-types.js';
import { imageToTensor } from '../image-processor.js';
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
 * RGB images → [B, 3, size, size] float32: each image resized to size×size (bilinear,
 * antialiased, rounded back to 8 bits as PIL does; untouched when it already has that size),
 * then (u8 / 255 - mean) / std in float32. It divides by 255 as torchvision's ToTensor does, so the
 * result equals ToTensor + Normalize bit for bit; image-processor.ts's processImages multiplies by
 * 1/255 as HuggingFace processors do, one float32 ulp away on a third of the pixels.
 */
export function imagesToPixelValues(images: readonly RgbImage[], o: PixelOptions): Tensor {
  if (images.length === 0) throw new RangeError('BiomedCLIPSeg preprocess: no images given');
  return torch.scope(() => {
    const rows = images.map((image, i) => {
      if (image.data.length !== image.width * image.height * 3) {
        throw new RangeError(`BiomedCLIPSeg preprocess: image ${i} holds ${image.data.length} bytes, a ${image.width}×${image.height} RGB image needs ${image.width * image.height * 3}`);
      }
      let x = imageToTensor(image); // [1, 3, h, w], 0..255
      if (image.height !== o.size || image.width !== o.size) {
        x = torch.F.interpolate(x, { size: [o.size, o.size], mode: 'bilinear', alignCorners: false, antialias: true }).round().clamp(0, 255);
      }
      return x;
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

/**
 * Logits [B, S, S] → one [h_i, w_i] map per image. Nearest-exact, as medvlsm resizes its binary
 * prediction: thresholding commutes with nearest resampling, so the masks agree with it.
 */
export function logitsToSizes(logits: Tensor, sizes: readonly [number, number][]): Tensor[] {
  if (logits.ndim !== 3 || logits.size(0) !== sizes.length) {
    throw new RangeError(`BiomedCLIPSeg logitsToOriginal: logits [${logits.shape.join(', ')}] for ${sizes.length} sizes; expected [${sizes.length}, H, W]`);
  }
  return sizes.map(([h, w], i) => torch.scope(() => {
    const map = logits.select(0, i); // [S, S]
    if (map.size(0) === h && map.size(1) === w) return map.clone();
    return torch.F.interpolate(map.unsqueeze(0).unsqueeze(0), { size: [h, w], mode: 'nearest-exact' }).view([h, w]);
  }));
}
