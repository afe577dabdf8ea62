// The CNN baselines as model families: 'unet', 'unetplusplus', 'deeplabv3plus'.
// They are image-only (usesPrompt false): the prompt of each item is accepted and ignored, as the
// paper's CNN baselines see no text. A checkpoint folder holds `config.json` (cnnConfigSchema:
// smp's create_model arguments, `arch` naming the family) and either a whole-model checkpoint
// (model.safetensors, pytorch_model.bin, model.pth or model.pt) or, to start training from
// ImageNet, a torchvision encoder checkpoint (encoder.pth, e.g. resnet50-0676ba61.pth renamed);
// with neither, `encoder_weights: null` gives a randomly initialised model.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../../errors.js';
import * as torch from '../../torch/index.js';
import { loadInto, SegmentationModelBase } from '../base.js';
import type { RgbImage } from '../../imaging/image-types.js';
import { parseConfig, readConfigFile } from '../config-file.js';
import type { LoadOptions, ModelFamily, SegmentationBatch } from '../types.js';
import type { SmpSegmentationModel } from './base.js';
import { cnnConfigSchema, resolveCnnConfig, type CnnArchitecture, type CnnConfig } from './config.js';
import { DeepLabV3Plus } from './deeplabv3plus.js';
import { preprocessCnnImages } from './preprocess.js';
import { Unet } from './unet.js';
import { UnetPlusPlus } from './unetplusplus.js';
import { loadCnnWeights, loadTorchvisionEncoder } from './weights.js';

type Tensor = torch.Tensor;

/** Builds the model a configuration describes (random initialisation, training mode). */
export function createCnnModel(config: CnnConfig): SmpSegmentationModel {
  switch (config.arch) {
    case 'unet': return new Unet(config);
    case 'unetplusplus': return new UnetPlusPlus(config);
    case 'deeplabv3plus': return new DeepLabV3Plus(config);
    default: throw new RangeError(`createCnnModel: unknown arch '${config.arch as string}', supported: unet, unetplusplus, deeplabv3plus`);
  }
}

/** Whole-model checkpoint names, in the order they are looked for. */
export const CNN_WEIGHT_FILES = ['model.safetensors', 'pytorch_model.bin', 'model.pth', 'model.pt'] as const;
/** The torchvision ImageNet encoder checkpoint a folder may hold instead. */
export const CNN_ENCODER_FILE = 'encoder.pth';

/** A loaded CNN baseline behind the family contract. */
export class CnnSegmentationModel extends SegmentationModelBase<SmpSegmentationModel> {
  readonly usesPrompt = false;
  readonly threshold = 0.5;
  /** medvlsm's: threshold at model resolution, then nearest-exact (models/resample.ts). */
  readonly resample = 'nearest-mask';
  readonly inputSize: [number, number];

  constructor(module: SmpSegmentationModel, readonly config: CnnConfig) {
    super(module);
    this.inputSize = [config.image_size, config.image_size];
  }

  get family(): string {
    return this.config.arch;
  }

  /** Resizes and normalises the images; the prompts are ignored (image-only model). */
  protected encode(images: readonly RgbImage[], _prompts: readonly string[]): SegmentationBatch {
    return preprocessCnnImages(images, { size: this.config.image_size, resize: this.config.resize });
  }

  /**
   * Logits [B, H, W] for a one-class model. A multi-label model (classes > 1, the pooled-all
   * setting) has no single map: call `module.forward(pixelValues)` for [B, classes, H, W].
   */
  forward(batch: SegmentationBatch): Tensor {
    const classes = this.config.classes;
    if (classes !== 1) throw new RangeError(`${this.family}: forward gives [B, H, W] logits for a one-class model, this one has ${classes} classes; use module.forward(pixelValues) for [B, ${classes}, H, W]`);
    return torch.scope(() => this.module.forward(batch.pixelValues).squeeze(1)); // [B, H, W]
  }
}

/** Builds a model from a checkpoint folder (see the file comment for what it may hold). */
export async function loadCnnModel(folder: string, options: LoadOptions = {}, expected?: CnnArchitecture): Promise<CnnSegmentationModel> {
  const configPath = join(folder, 'config.json');
  const config = resolveCnnConfig(readConfigFile(cnnConfigSchema, configPath));
  if (expected !== undefined && config.arch !== expected) {
    throw new CheckpointError(`${configPath}: arch is '${config.arch}', not '${expected}'; load it with the '${config.arch}' family`, configPath);
  }
  const module = await loadInto(createCnnModel(config), options, folder, async (m) => {
    const weights = CNN_WEIGHT_FILES.map((name) => join(folder, name)).find((p) => existsSync(p));
    const encoderPath = join(folder, CNN_ENCODER_FILE);
    if (weights) await loadCnnWeights(m, weights);
    else if (config.encoder_weights === 'imagenet' && existsSync(encoderPath)) await loadTorchvisionEncoder(m.encoder, encoderPath);
    else if (config.encoder_weights === 'imagenet') {
      throw new CheckpointError(
        `${folder}: no weights: expected one of ${CNN_WEIGHT_FILES.join(', ')} (a trained model) or ${CNN_ENCODER_FILE} (torchvision ImageNet encoder weights); ` +
          `set "encoder_weights": null in config.json for a randomly initialised model`,
        folder,
      );
    }
  });
  return new CnnSegmentationModel(module, config);
}

/**
 * A randomly initialised model (seeded by torch.manualSeed) for training from scratch: `config`
 * fields override smp's defaults; `inputSize` sets image_size (square).
 */
export function cnnFromConfig(arch: CnnArchitecture, config: Readonly<Record<string, unknown>>, inputSize?: [number, number]): CnnSegmentationModel {
  if (inputSize && inputSize[0] !== inputSize[1]) throw new RangeError(`${arch}: input_size must be square for the CNN baselines, got [${inputSize.join(', ')}]`);
  const resolved = resolveCnnConfig(parseConfig(cnnConfigSchema, { encoder_weights: null, ...config, arch, ...(inputSize ? { image_size: inputSize[0] } : {}) }, `${arch} config`));
  return new CnnSegmentationModel(torch.scope(() => createCnnModel(resolved)), resolved);
}

function cnnFamily(name: CnnArchitecture, description: string): ModelFamily {
  return {
    name,
    description,
    usesPrompt: false,
    detect: (_folder, config) => config?.arch === name,
    load: (folder, options) => loadCnnModel(folder, options, name),
    scratch: (config, inputSize) => cnnFromConfig(name, config, inputSize),
    hubFiles: { required: ['config.json'], weights: [...CNN_WEIGHT_FILES], optional: [CNN_ENCODER_FILE] },
  };
}

/** smp 0.3.3 Unet, ResNet-50 encoder by default; image-only, the prompt is ignored. */
export const unetFamily = cnnFamily('unet', 'U-Net baseline (segmentation_models_pytorch 0.3.3 Unet, ResNet encoder); image-only, ignores the prompt');
/** smp 0.3.3 UnetPlusPlus, ResNet-50 encoder by default; image-only, the prompt is ignored. */
export const unetPlusPlusFamily = cnnFamily('unetplusplus', 'UNet++ baseline (segmentation_models_pytorch 0.3.3 UnetPlusPlus, ResNet encoder); image-only, ignores the prompt');
/** smp 0.3.3 DeepLabV3Plus, dilated ResNet-50 encoder by default; image-only, the prompt is ignored. */
export const deeplabV3PlusFamily = cnnFamily('deeplabv3plus', 'DeepLabV3+ baseline (segmentation_models_pytorch 0.3.3 DeepLabV3Plus, dilated ResNet encoder); image-only, ignores the prompt');

export const cnnFamilies: readonly ModelFamily[] = [unetFamily, unetPlusPlusFamily, deeplabV3PlusFamily];
