// What every model family shares, written once (HuggingFace's PreTrainedModel in spirit): placing
// the inputs on the module's device and dtype, predict and batch predict, bringing logits back to
// each image's size and thresholding them (models/resample.ts), dispose, and a load that frees what
// it built when it fails. A family extends SegmentationModelBase and declares what differs: its
// preprocessing (`encode`), its forward pass, its default `resample`, its frozen features, and,
// for CRIS's letterbox, its own way back to the original geometry (`resampleToOriginal`).
import * as torch from '../torch/index.js';
import type { RgbImage } from '../imaging/image-types.js';
import { nonFiniteWarning } from './non-finite-weights.js';
import { inferLogits, type Precision } from './precision.js';
import { checkThreshold, logitsToProbabilities, resampleLogits, thresholdLogits, type Resample } from './resample.js';
import type { LoadOptions, PostprocessOptions, Prediction, SegmentationBatch, SegmentationModel } from './types.js';

type Tensor = torch.Tensor;

const isFloating = (dtype: torch.DType): boolean => dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';

export abstract class SegmentationModelBase<M extends torch.nn.Module = torch.nn.Module> implements SegmentationModel {
  abstract readonly family: string;
  abstract readonly usesPrompt: boolean;
  abstract readonly inputSize: [number, number];
  abstract readonly threshold: number;
  /** The family's default way back to the original size. */
  abstract readonly resample: Resample;

  precision: Precision = 'fp32';

  constructor(readonly module: M) {}

  /** The device of the module's first parameter (CPU for a module without parameters). */
  get device(): torch.Device {
    return this.module.parameters()[0]?.device ?? 'cpu';
  }

  /** The dtype of the module's first floating-point parameter (float32 without one). */
  get dtype(): torch.DType {
    return this.module.parameters().find((p) => isFloating(p.dtype))?.dtype ?? 'float32';
  }

  /**
   * The family's preprocessing: images and one prompt per image → a batch on the CPU in float32
   * (`preprocess` then places it). Image-only families ignore the prompts; the others check that
   * the counts match.
   */
  protected abstract encode(images: readonly RgbImage[], prompts: readonly string[]): SegmentationBatch;

  /** Logits [B, H, W] at model resolution, from a batch already on the module's device and dtype. */
  abstract forward(batch: SegmentationBatch): Tensor;

  preprocess(images: readonly RgbImage[], prompts: readonly string[]): SegmentationBatch {
    if (images.length === 0) throw new RangeError(`${this.family} preprocess: no images given`);
    return torch.scope(() => this.place(this.encode(images, prompts)));
  }

  /** Pixel values to the module's device and dtype, token tensors to its device. */
  protected place(batch: SegmentationBatch): SegmentationBatch {
    const { device, dtype } = this;
    const onDevice = (t: Tensor | undefined): Tensor | undefined => (t === undefined || t.device === device ? t : t.to({ device }));
    const pixelValues = batch.pixelValues.device === device && batch.pixelValues.dtype === dtype ? batch.pixelValues : batch.pixelValues.to({ device, dtype });
    const inputIds = onDevice(batch.inputIds);
    const attentionMask = onDevice(batch.attentionMask);
    return { ...batch, pixelValues, ...(inputIds ? { inputIds } : {}), ...(attentionMask ? { attentionMask } : {}) };
  }

  /**
   * One logit map [H, W] at model resolution → [h, w] logits at `size`. The plain resize of
   * models/resample.ts; a family whose input is not a plain resize of the image overrides it.
   */
  protected resampleToOriginal(map: Tensor, size: readonly [number, number], resample: Resample): Tensor {
    return resampleLogits(map, size, resample);
  }

  logitsToOriginal(logits: Tensor, originalSizes: readonly [number, number][], resample: Resample = this.resample): Tensor[] {
    if (logits.ndim !== 3 || logits.shape[0] !== originalSizes.length) {
      throw new RangeError(`${this.family} logitsToOriginal: logits [${logits.shape.join(', ')}] for ${originalSizes.length} sizes; expected [${originalSizes.length}, H, W]`);
    }
    return originalSizes.map((size, i) => torch.scope(() => this.resampleToOriginal(logits.select(0, i), size, resample)));
  }

  postprocess(logits: Tensor, originalSizes: readonly [number, number][], o: PostprocessOptions = {}): Prediction[] {
    const threshold = o.threshold ?? this.threshold;
    checkThreshold(threshold);
    return torch.scope(() =>
      this.logitsToOriginal(logits, originalSizes, o.resample ?? this.resample).map((l, i) => {
        const [height, width] = originalSizes[i]!;
        const probabilities = logitsToProbabilities(l).data() as Float32Array;
        const bits = thresholdLogits(l, threshold).data() as Uint8Array;
        const data = new Uint8Array(bits.length);
        for (let p = 0; p < data.length; p++) data[p] = bits[p] ? 255 : 0;
        return { mask: { width, height, data }, probabilities, ...(o.keepLogits ? { logits: l.keep() } : {}) };
      }),
    );
  }

  predictBatch(images: readonly RgbImage[], prompts: readonly string[], o: PostprocessOptions = {}): Prediction[] {
    checkThreshold(o.threshold ?? this.threshold);
    return torch.inferenceMode(() => torch.scope(() => {
      const batch = this.preprocess(images, prompts);
      return this.postprocess(inferLogits(this, batch), batch.originalSizes, o);
    }));
  }

  predict(image: RgbImage, prompt: string, o: PostprocessOptions = {}): Prediction {
    return this.predictBatch([image], [prompt], o)[0]!;
  }

  dispose(): void {
    this.module.dispose();
  }
}

/**
 * Loads weights into a freshly built `module` with `steps`, then places it (`options.device`,
 * `options.dtype`) and switches it to eval mode. If anything fails, the module is disposed before
 * the error propagates, so a failed load leaves no live tensors behind. Weights holding NaN or
 * infinite values are reported through `options.warn` (console.warn by default), naming `source`.
 */
export async function loadInto<M extends torch.nn.Module>(module: M, options: LoadOptions, source: string, steps: (module: M) => Promise<void> | void): Promise<M> {
  try {
    await steps(module);
    const warning = nonFiniteWarning(module, source);
    if (warning) (options.warn ?? console.warn)(`vlsm: ${warning}`);
    if (options.device !== undefined || options.dtype !== undefined) module.to({ device: options.device, dtype: options.dtype });
    return module.eval();
  } catch (error) {
    module.dispose();
    throw error;
  }
}

/** The RangeError of a batch whose image and prompt counts differ. */
export function checkOnePromptPerImage(family: string, images: number, prompts: number): void {
  if (images !== prompts) throw new RangeError(`${family} preprocess: ${images} images but ${prompts} prompts; give one prompt per image`);
}
