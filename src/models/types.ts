// The contract between a model family and the rest of vlsm (registry, CLI, trainer, evaluator).
// A family folder provides one `ModelFamily` object; `models/registry.ts` lists them as data.
// What is the same for every family (placing inputs, predict, post-processing, dispose) is written
// once in `models/base.ts`; a family's class extends it and declares only what differs.
import type * as torch from '../torch/index.js';
import type { GrayImage, RgbImage } from '../imaging/image-types.js';
import type { Precision } from './precision.js';
import type { Resample } from './resample.js';

type Tensor = torch.Tensor;

/** What `preprocess` makes: model-ready tensors plus what postprocessing needs. */
export interface SegmentationBatch {
  /** [B, 3, H, W] float, normalised as the family expects. */
  pixelValues: Tensor;
  /** [B, L] int64 prompt tokens (absent for image-only models). */
  inputIds?: Tensor;
  /** [B, L] int64, 1 for real tokens (CLIP, BERT conventions), when the family uses one. */
  attentionMask?: Tensor;
  /** Each image's size before preprocessing, [height, width], to map outputs back. */
  originalSizes: [number, number][];
}

/** One image's segmentation at its own size. */
export interface Prediction {
  /** 0/255 mask at the image's original size. */
  mask: GrayImage;
  /** sigmoid(logits) at the original size, row-major, float32. */
  probabilities: Float32Array;
  /** Logits at the original size [h, w]; the caller owns (disposes) it when `keepLogits` is set. */
  logits?: torch.Tensor;
}

export interface PostprocessOptions {
  /** Probability threshold; default the model's. */
  threshold?: number;
  /** How logits reach each image's size; default the family's (`SegmentationModel.resample`). */
  resample?: Resample;
  /** Also return the logits at the original size (the caller disposes them). */
  keepLogits?: boolean;
}

/** A loaded, ready segmentation model of any family. */
export interface SegmentationModel {
  /** Registry name of the family, e.g. 'clipseg'. */
  readonly family: string;
  /** The module tree (parameters, stateDict, train/eval, to()). */
  readonly module: torch.nn.Module;
  /** False for image-only models (CNN baselines): the prompt is ignored. */
  readonly usesPrompt: boolean;
  /** Model input size [height, width]. */
  readonly inputSize: [number, number];
  /** Default probability threshold (0.5; CRIS 0.35, as the reference configs). */
  readonly threshold: number;
  /** The family's way back to the original size (models/resample.ts). */
  readonly resample: Resample;
  /** Where the module's parameters are; inputs are placed there. */
  readonly device: torch.Device;
  /** The module's floating-point dtype; pixel values are cast to it. */
  readonly dtype: torch.DType;
  /**
   * The precision predict and evaluation compute in (models/precision.ts; 'fp32' unless set).
   * Set it through models/placement.ts `placeModel`, which checks it against the device.
   */
  precision: Precision;
  /** Images (decoded RGB) and one prompt per image → a batch on the module's device and dtype. */
  preprocess(images: readonly RgbImage[], prompts: readonly string[]): SegmentationBatch;
  /** Logits [B, H, W] at model resolution (before sigmoid). */
  forward(batch: SegmentationBatch): Tensor;
  /** Logits resampled to each original image size: [h_i, w_i] each (default: the family's resample). */
  logitsToOriginal(logits: Tensor, originalSizes: readonly [number, number][], resample?: Resample): Tensor[];
  /** Logits [B, H, W] → one mask (and probabilities) per image at its original size. */
  postprocess(logits: Tensor, originalSizes: readonly [number, number][], o?: PostprocessOptions): Prediction[];
  /** Images, one prompt each → masks at the images' own sizes, in one batch, in inference mode. */
  predictBatch(images: readonly RgbImage[], prompts: readonly string[], o?: PostprocessOptions): Prediction[];
  /** One image and its prompt → a mask at the image's own size. */
  predict(image: RgbImage, prompt: string, o?: PostprocessOptions): Prediction;
  /** Frees every parameter and buffer. */
  dispose(): void;
  /**
   * True when the input is not a plain resize of the image (CRIS's letterbox): `logitsToOriginal`
   * then undoes the family's geometry, and training targets come from `targetMasks`.
   */
  readonly customGeometry?: boolean;
  /** Training targets [B, H, W] for 0/1 masks at their original sizes, when `customGeometry`. */
  targetMasks?(masks: readonly GrayImage[]): Tensor;
  /** Present when the model's encoders can run once and be cached (see train/feature-cache.ts). */
  readonly frozenFeatures?: FrozenFeatures;
}

/**
 * A model split at its frozen encoders: `imageFeatures` and `textFeatures` depend only on the
 * frozen parts (module paths in `requires`), so their outputs can be cached per image and per
 * prompt; `forwardFromFeatures` runs the trainable rest.
 */
export interface FrozenFeatures {
  readonly requires: readonly string[];
  /** Per-image features: a list of tensors, each [B, ...]. */
  imageFeatures(pixelValues: Tensor): Tensor[];
  /** Per-prompt features [B, D] from the batch's tokens. */
  textFeatures(batch: SegmentationBatch): Tensor;
  /** Logits [B, H, W] from (possibly cached) features; `inputSize` is the model input [H, W]. */
  forwardFromFeatures(image: readonly Tensor[], text: Tensor, inputSize: readonly [number, number]): Tensor;
}

export interface LoadOptions {
  device?: torch.Device;
  dtype?: torch.DType;
  /** Where load warnings go (weights with NaN/Inf values); console.warn by default. */
  warn?: (message: string) => void;
}

/** One model family: how to recognise, build and load it. Plain data in the registry. */
export interface ModelFamily {
  readonly name: string;
  readonly description: string;
  readonly usesPrompt: boolean;
  /**
   * True when a checkpoint folder holds this family, judged by its parsed `config.json` (undefined
   * when the folder has none) or its file names. The registry reads and parses config.json once
   * and reports a malformed one itself.
   */
  detect(folder: string, config: Readonly<Record<string, unknown>> | undefined): boolean;
  /**
   * A model with fresh, seeded weights for training from scratch; `config` overrides the family's
   * default configuration fields.
   */
  scratch?(config: Readonly<Record<string, unknown>>, inputSize?: [number, number]): SegmentationModel;
  /** Loads a checkpoint folder (weights + config + tokenizer files). */
  load(folder: string, options?: LoadOptions): Promise<SegmentationModel>;
  /**
   * What to fetch for a Hub id when this family is named: `required` files, one of `weights` (in
   * preference order) and `optional` extras. Without it, HuggingFace's usual files are fetched.
   */
  readonly hubFiles?: { required: readonly string[]; weights: readonly string[]; optional: readonly string[] };
}
