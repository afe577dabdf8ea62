// UNet / UNet++ / DeepLabV3+ → a state dict that `smp.<Arch>(encoder_name, encoder_weights=None,
// classes=…)` loads with strict=True (vlsm's CNN keys are smp 0.3.3's), and the constructor's
// arguments as JSON, beside vlsm's own config.json.
import { join } from 'node:path';
import * as torch from '../../torch/index.js';
import type { CnnSegmentationModel } from '../cnn/family.js';
import type { CnnConfig } from '../cnn/config.js';
import { writeJson } from './folder-files.js';
import { disposeCopies, exportTensors } from './state-dict.js';
import { EXPORT_DTYPES, type ExportedModel, type ExportOptions } from './types.js';

export const SMP_EXPORT_WEIGHTS = 'model.pth';

/** smp's class for each architecture. */
export const SMP_CLASSES = { unet: 'Unet', unetplusplus: 'UnetPlusPlus', deeplabv3plus: 'DeepLabV3Plus' } as const;

/** The keyword arguments of smp.<Arch>(...) that rebuild this model (weights come from the state dict). */
export function smpConstructorArguments(config: CnnConfig): Record<string, unknown> {
  const common = { encoder_name: config.encoder_name, encoder_depth: config.encoder_depth, encoder_weights: null, in_channels: config.in_channels, classes: config.classes, activation: null };
  if (config.arch === 'deeplabv3plus') {
    return { ...common, encoder_output_stride: config.encoder_output_stride, decoder_channels: config.decoder_channels, decoder_atrous_rates: config.decoder_atrous_rates, upsampling: config.upsampling };
  }
  return { ...common, decoder_channels: config.decoder_channels, decoder_use_batchnorm: config.decoder_use_batchnorm, decoder_attention_type: config.decoder_attention_type };
}

export function exportSmp(model: CnnSegmentationModel, dir: string, o: ExportOptions): ExportedModel {
  const dtype = EXPORT_DTYPES[o.dtype ?? 'fp32'];
  const tensors = exportTensors(model.module.stateDict(), dtype);
  try {
    torch.io.saveTorchStateDict(join(dir, SMP_EXPORT_WEIGHTS), tensors);
  } finally {
    disposeCopies(tensors);
  }
  const config = model.config;
  const cls = SMP_CLASSES[config.arch];
  const args = smpConstructorArguments(config);
  const files = [SMP_EXPORT_WEIGHTS];
  files.push(writeJson(dir, 'smp_config.json', { class: `segmentation_models_pytorch.${cls}`, arguments: args, ...(config.encoder_params ? { warning: `this model's ResNet shape (encoder_params ${JSON.stringify(config.encoder_params)}) is vlsm's own; smp builds ${config.encoder_name} at its standard widths, so load_state_dict will not accept these weights` } : {}) }));
  files.push(writeJson(dir, 'config.json', { ...config, encoder_weights: null }));
  return {
    format: 'smp',
    library: 'segmentation-models-pytorch',
    files: files.sort(),
    homeSnippet: [
      'import json, torch',
      'import segmentation_models_pytorch as smp',
      'spec = json.load(open("{dir}/smp_config.json"))',
      `model = smp.${cls}(**spec["arguments"])`,
      `model.load_state_dict(torch.load("{dir}/${SMP_EXPORT_WEIGHTS}", map_location="cpu"), strict=True)`,
      `# inputs: ${config.image_size}x${config.image_size} RGB, ImageNet mean/std; the output is logits`,
    ].join('\n'),
  };
}
