// Images and prompts to BiomedCLIPSeg's inputs, and logits back to image sizes, as medvlsm does
// (shared/reference/TRAINING.md, BiomedCLIPSeg row): squash to 224×224 (torchvision Resize on a PIL
// image, bilinear with antialiasing; no aspect ratio kept), ToTensor, Normalize with CLIP's
// mean/std; the BiomedCLIP WordPiece tokenizer with max_length 256, truncation and padding to
// max_length; predictions resized back with nearest-exact.
import { torch } from '../../index.js';
import type { RgbImage } from '../../imaging/image-types.js';
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
 * then (u8 / 255 - mean) / std computed in float32 as ToTensor + Normalize do.
 */
export function imagesToPixelValues(images: readonly RgbImage[], o: PixelOptions): Tensor {
  if (images.length === 0) throw new RangeError('BiomedCLIPSeg preprocess: no images given');
  return torch.scope(() => {
    const rows = images.map((image, i) => {
      if (image.data.length !== image.width * image.height * 3) {
        throw new RangeError(`BiomedCLIPSeg preprocess: image ${i} holds ${image.data.length} bytes, a ${image.width}×${image.height} RGB image needs ${image.width * image.height * 3}`);
      }
      const hwc = torch.tensor(image.data, { shape: [image.height, image.width, 3], device: o.device }); // uint8
      let chw = hwc.permute([2, 0, 1]).unsqueeze(0).to('float32'); // [1, 3, h, w], 0..255
      if (image.height !== o.size || image.width !== o.size) {
        chw = torch.F.interpolate(chw, { size: [o.size, o.size], mode: 'bilinear', alignCorners: false, antialias: true }).round().clamp(0, 255);
      }
      return chw;
    });
    const mean = torch.tensor(Float32Array.from(o.mean), { shape: [1, 3, 1, 1], device: o.device });
    const std = torch.tensor(Float32Array.from(o.std), { shape: [1, 3, 1, 1], device: o.device });
    return torch.cat(rows, 0).div(255).sub(mean).div(std);
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
