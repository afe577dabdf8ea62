// A model cut between its image path and its prompt path, so that an image is encoded once and
// every later prompt reruns only the text encoder and the decoder (the web page's
// segment-while-typing). CLIPSeg and BiomedCLIPSeg cache the tapped ViT activations, CRIS its
// backbone's three levels; an image-only model (the CNN baselines) caches its logits, since the
// prompt changes nothing. The model's own forward is the reference: test/models/prompt-split.test.ts
// checks that both paths give the same logits.
import * as torch from '../torch/index.js';
import { elementSize } from '../torch/dtype.js';
import type { RgbImage } from '../imaging/image-types.js';
import { toTensors } from '../tokenizers/tensors.js';
import { BiomedCLIPSegSegmentationModel } from './biomedclipseg/family.js';
import { promptsToTokens } from './biomedclipseg/preprocess.js';
import { ClipsegSegmentationModel } from './clipseg/family.js';
import { CrisSegmentationModel } from './cris/family.js';
import { crisTokenTensors } from './cris/preprocess.js';
import { upsampleLogits } from './cris/model.js';
import { forwardInPrecision, withPrecision } from './precision.js';
import type { SegmentationModel } from './types.js';

type Tensor = torch.Tensor;

/** What one image leaves behind for its prompts: tensors the caller keeps and later disposes. */
export interface ImageFeatures {
  readonly tensors: readonly Tensor[];
  /** [height, width] of the image before preprocessing. */
  readonly originalSize: [number, number];
  /** Bytes held by `tensors`, for a memory-bounded cache. */
  readonly bytes: number;
}

export interface PromptSplit {
  /** Runs the image path once; the returned tensors are kept (outside any scope). */
  encodeImage(image: RgbImage): ImageFeatures;
  /** Logits [1, H, W] at model resolution for one prompt on cached features (scope-owned). */
  forwardPrompt(features: ImageFeatures, prompt: string): Tensor;
}

const tensorBytes = (tensors: readonly Tensor[]): number => tensors.reduce((sum, t) => sum + t.numel() * elementSize(t.dtype), 0);

function onDevice<T extends Record<string, Tensor>>(tokens: T, device: torch.Device): T {
  if (device === 'cpu') return tokens;
  return Object.fromEntries(Object.entries(tokens).map(([k, t]) => [k, t.to({ device })])) as T;
}

/** Pixel values of one image on the model's device and dtype, through the family's own preprocessing. */
function pixelValuesOf(model: SegmentationModel, image: RgbImage): Tensor {
  return model.preprocess([image], ['']).pixelValues;
}

function kept(image: RgbImage, make: () => Tensor[]): ImageFeatures {
  const tensors = torch.inferenceMode(() => torch.scope(() => torch.keep(make())));
  return { tensors, originalSize: [image.height, image.width], bytes: tensorBytes(tensors) };
}

function clipsegSplit(model: ClipsegSegmentationModel): PromptSplit {
  const frozen = model.frozenFeatures;
  return {
    encodeImage: (image) => kept(image, () => frozen.imageFeatures(pixelValuesOf(model, image))),
    forwardPrompt: (features, prompt) => torch.inferenceMode(() => torch.scope(() => {
      const contextLength = model.module.config.text_config.max_position_embeddings;
      const tokens = onDevice(toTensors(model.tokenizer.encode([prompt], { contextLength, padding: 'max_length', truncation: true })), model.device);
      const text = model.module.conditionalEmbeddings(tokens);
      return frozen.forwardFromFeatures(features.tensors, text, model.inputSize);
    })),
  };
}

function biomedClipSegSplit(model: BiomedCLIPSegSegmentationModel): PromptSplit {
  return {
    encodeImage: (image) => kept(image, () => model.module.visionActivations(pixelValuesOf(model, image))),
    forwardPrompt: (features, prompt) => torch.inferenceMode(() => torch.scope(() => {
      const tokens = promptsToTokens(model.tokenizer, [prompt], model.module.config.biomedclip.context_length, model.device);
      const activations = features.tensors;
      return model.module.forward({ pixelValues: activations[0]!, activations, ...tokens }).logits;
    })),
  };
}

function crisSplit(model: CrisSegmentationModel): PromptSplit {
  return {
    encodeImage: (image) => kept(image, () => model.module.visualFeatures(pixelValuesOf(model, image))),
    forwardPrompt: (features, prompt) => torch.inferenceMode(() => torch.scope(() => {
      const { inputIds } = onDevice(crisTokenTensors(model.tokenizer, [prompt], model.config), model.device);
      const visual = features.tensors as [Tensor, Tensor, Tensor];
      const logits = model.module.forward(visual[0], inputIds, { visual });
      return upsampleLogits(logits, model.inputSize).squeeze(1);
    })),
  };
}

/** The prompt does not enter an image-only model: its logits are the image's features. */
function imageOnlySplit(model: SegmentationModel): PromptSplit {
  return {
    encodeImage: (image) => kept(image, () => [model.forward(model.preprocess([image], ['']))]),
    forwardPrompt: (features) => torch.scope(() => features.tensors[0]!.clone()),
  };
}

/**
 * The image/prompt split of a loaded model, or undefined for a family that has none (the caller
 * then runs the whole forward for every prompt).
 */
export function promptSplitOf(model: SegmentationModel): PromptSplit | undefined {
  const split = model instanceof ClipsegSegmentationModel ? clipsegSplit(model)
    : model instanceof BiomedCLIPSegSegmentationModel ? biomedClipSegSplit(model)
      : model instanceof CrisSegmentationModel ? crisSplit(model)
        : !model.usesPrompt ? imageOnlySplit(model) : undefined;
  return split && inModelPrecision(model, split);
}

/** Both paths in the model's precision (as its own forward runs), logits back in float32. */
function inModelPrecision(model: SegmentationModel, split: PromptSplit): PromptSplit {
  if (model.precision === 'fp32') return split;
  return {
    encodeImage: (image) => withPrecision(model.precision, model.device, () => split.encodeImage(image)),
    forwardPrompt: (features, prompt) => forwardInPrecision(model.precision, model.device, () => split.forwardPrompt(features, prompt)),
  };
}
