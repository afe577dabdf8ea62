// CLIPSeg as a registry family: a HuggingFace CLIPSeg checkpoint folder (config.json with
// model_type "clipseg", model.safetensors or pytorch_model.bin, the CLIP tokenizer files or
// tokenizer.json alone, preprocessor_config.json or transformers 5's processor_config.json)
// becomes a SegmentationModel.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../torch/index.js';
import { checkOnePromptPerImage, loadInto, SegmentationModelBase } from '../base.js';
import type { RgbImage } from '../../imaging/image-types.js';
import { ClipTokenizer } from '../../tokenizers/clip-bpe.js';
import { toTensors } from '../../tokenizers/tensors.js';
import { parseConfig, readConfigFile } from '../config-file.js';
import { IMAGENET_MEAN, IMAGENET_STD, processImages, type ImageProcessorConfig } from '../image-processor.js';
import { readImageProcessorConfig } from '../preprocessor-config.js';
import type { FrozenFeatures, LoadOptions, ModelFamily, SegmentationBatch } from '../types.js';
import { findWeightsFile, readWeights } from '../weights-file.js';
import { clipsegConfigSchema, type CLIPSegConfig } from './config.js';
import { CLIPSegForImageSegmentation } from './model.js';
import { normalizeClipsegKeys } from './weights.js';

type Tensor = torch.Tensor;

/** CIDAS/clipseg-rd64-refined's preprocessor_config.json: 352² squash, bilinear, ImageNet statistics. */
export const CLIPSEG_PREPROCESSING: ImageProcessorConfig = {
  size: [352, 352],
  resample: 'bilinear',
  rescaleFactor: 1 / 255,
  mean: IMAGENET_MEAN,
  std: IMAGENET_STD,
};

export class ClipsegSegmentationModel extends SegmentationModelBase<CLIPSegForImageSegmentation> {
  readonly family = 'clipseg';
  readonly usesPrompt = true;
  readonly threshold = 0.5;
  /** medvlsm HEAD's: threshold at 352², then nearest-exact to the image's size (models/resample.ts). */
  readonly resample = 'nearest-mask';

  constructor(
    module: CLIPSegForImageSegmentation,
    readonly tokenizer: ClipTokenizer,
    readonly preprocessing: ImageProcessorConfig,
  ) {
    super(module);
  }

  get inputSize(): [number, number] {
    return this.preprocessing.size;
  }

  /** The towers run under no_grad in the reference, so their outputs are cacheable. */
  readonly frozenFeatures: FrozenFeatures = {
    requires: ['clip'],
    imageFeatures: (pixelValues) => this.module.visionActivations(pixelValues),
    textFeatures: (batch) => this.module.conditionalEmbeddings({ inputIds: batch.inputIds, attentionMask: batch.attentionMask }),
    forwardFromFeatures: (image, text, inputSize) => {
      const patch = this.module.config.vision_config.patch_size;
      return this.module.decoder.forward(image, text, [inputSize[0] / patch, inputSize[1] / patch]);
    },
  };

  protected encode(images: readonly RgbImage[], prompts: readonly string[]): SegmentationBatch {
    checkOnePromptPerImage(this.family, images.length, prompts.length);
    const maxPositions = this.module.config.text_config.max_position_embeddings;
    const encoding = this.tokenizer.encode(prompts, { contextLength: maxPositions, padding: 'max_length', truncation: true });
    const { inputIds, attentionMask } = toTensors(encoding);
    return {
      pixelValues: processImages(images, this.preprocessing),
      inputIds,
      attentionMask,
      originalSizes: images.map((image) => [image.height, image.width]),
    };
  }

  forward(batch: SegmentationBatch): Tensor {
    return torch.scope(() => this.module.forward(batch).logits);
  }
}

/**
 * A CLIPSeg with freshly initialised weights (seeded by torch.manualSeed) for training from
 * scratch: `config` fields override CIDAS/clipseg-rd64-refined's; the bundled CLIP vocabulary.
 */
export function clipsegFromConfig(config: Record<string, unknown>, inputSize: [number, number] = [352, 352]): ClipsegSegmentationModel {
  const parsed = parseConfig(clipsegConfigSchema, config, 'clipseg config');
  const module = torch.scope(() => new CLIPSegForImageSegmentation(parsed));
  // The text embeddings start as HuggingFace's CLIPSeg initialises them, N(0, 0.02²), not nn.Embedding's
  // N(0, 1): at unit scale the end-of-text token and its position outweigh the words before it, every
  // prompt gets nearly the same pooled embedding (cosine ≈ 0.996) and FiLM learns to use it only late.
  const text = module.clip.textModel.embeddings;
  torch.noGrad(() => {
    text.tokenEmbedding.weight.normal_(0, 0.02);
    text.positionEmbedding.weight.normal_(0, 0.02);
  });
  return new ClipsegSegmentationModel(module, ClipTokenizer.bundled(), { ...CLIPSEG_PREPROCESSING, size: inputSize });
}

function readClipsegConfig(folder: string): CLIPSegConfig {
  return readConfigFile(clipsegConfigSchema, join(folder, 'config.json'));
}

export async function loadClipseg(folder: string, options: LoadOptions = {}): Promise<ClipsegSegmentationModel> {
  const config = readClipsegConfig(folder);
  const weightsPath = findWeightsFile(folder, ['model.safetensors', 'pytorch_model.bin']);
  const preprocessing = readImageProcessorConfig(folder, CLIPSEG_PREPROCESSING.size) ?? CLIPSEG_PREPROCESSING;
  const tokenizer = ClipTokenizer.fromDirectory(folder);
  const module = await loadInto(torch.scope(() => new CLIPSegForImageSegmentation(config)), options, weightsPath, async (m) => {
    const weights = await readWeights(weightsPath);
    try {
      m.loadStateDict(normalizeClipsegKeys(weights), { file: weightsPath });
    } finally {
      torch.dispose([...weights.values()]); // the renamed map holds the same tensors
    }
  });
  return new ClipsegSegmentationModel(module, tokenizer, preprocessing);
}

export const clipsegFamily: ModelFamily = {
  name: 'clipseg',
  description: 'CLIPSeg (HuggingFace CLIPSegForImageSegmentation checkpoints, e.g. CIDAS/clipseg-rd64-refined)',
  usesPrompt: true,
  detect(folder, config): boolean {
    // BiomedCLIPSeg folders carry a CLIPSeg config.json too, beside open_clip's own files.
    if (!config || existsSync(join(folder, 'open_clip_config.json'))) return false;
    const architectures = Array.isArray(config.architectures) ? config.architectures : [];
    return config.model_type === 'clipseg' || architectures.includes('CLIPSegForImageSegmentation');
  },
  load: loadClipseg,
  scratch: (config, inputSize) => clipsegFromConfig({ ...config }, inputSize),
};
