// CRIS → what CRIS.pytorch loads: a torch.save'd `{'state_dict': …}` as its train.py writes
// checkpoints (weights only), keys under DataParallel's `module.` by default since its test.py
// wraps the model before load_state_dict; and the TRAIN section of its YAML config. vlsm's CRIS
// keys are the released ones (the loader's normalizeCrisKeys only strips `module.`).
import { join } from 'node:path';
import * as torch from '../../torch/index.js';
import type { CrisSegmentationModel } from '../cris/family.js';
import type { CRISConfig } from '../cris/config.js';
import { writeJson, writeText } from './folder-files.js';
import { disposeCopies, exportTensors } from './state-dict.js';
import { EXPORT_DTYPES, type ExportedModel, type ExportOptions } from './types.js';

export const CRIS_EXPORT_WEIGHTS = 'cris.pth';

const yamlValue = (v: unknown): string => (Array.isArray(v) ? `[${v.join(', ')}]` : typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));

/**
 * CRIS.pytorch's config (config/refcoco/cris_r50.yaml's TRAIN "Base Arch" and "Decoder" fields)
 * for this model. `clip_pretrain` names the OpenAI CLIP archive whose sizes build the backbone;
 * the exported state dict holds the fine-tuned backbone, which load_state_dict then puts over it.
 */
export function crisYaml(config: CRISConfig): string {
  const [height, width] = config.input.image_size;
  const backbone = config.backbone.vision_layers.join(',') === '3,4,23,3' ? 'RN101' : 'RN50';
  const train: [string, unknown][] = [
    ['clip_pretrain', `pretrain/${backbone}.pt`],
    ['input_size', height === width ? height : `${height}  # vlsm input ${height}x${width}; CRIS.pytorch takes a square`],
    ['word_len', config.text.word_len],
    ['word_dim', config.projector.word_dim],
    ['vis_dim', config.decoder.d_model],
    ['fpn_in', config.neck.fpn_in],
    ['fpn_out', config.neck.fpn_out],
    ['sync_bn', true],
    ['num_layers', config.decoder.num_layers],
    ['num_head', config.decoder.num_heads],
    ['dim_ffn', config.decoder.dim_ffn],
    ['dropout', config.decoder.dropout],
    ['intermediate', config.decoder.return_intermediate],
  ];
  return [
    '# CRIS.pytorch configuration (config/refcoco/cris_r50.yaml layout) of a model exported by vlsm.',
    `# vlsm preprocessing: ${config.input.resize} to ${height}x${width}; mask threshold ${config.threshold}.`,
    'TRAIN:',
    ...train.map(([k, v]) => `  ${k}: ${yamlValue(v)}`),
    '',
  ].join('\n');
}

export function exportCrisPth(model: CrisSegmentationModel, dir: string, o: ExportOptions): ExportedModel {
  const dtype = EXPORT_DTYPES[o.dtype ?? 'fp32'];
  const prefix = o.modulePrefix === false ? '' : 'module.';
  const tensors = exportTensors([...model.module.stateDict()].map(([k, t]) => [`${prefix}${k}`, t] as const), dtype);
  try {
    torch.io.saveTorchStateDict(join(dir, CRIS_EXPORT_WEIGHTS), tensors, { wrapKey: 'state_dict' });
  } finally {
    disposeCopies(tensors);
  }
  const files = [CRIS_EXPORT_WEIGHTS];
  // The state dict holds the backbone, so no CLIP archive is named: vlsm would look for it.
  files.push(writeJson(dir, 'config.json', { ...model.config, model_type: 'cris', clip_pretrain: undefined }));
  files.push(writeText(dir, 'cris.yaml', crisYaml(model.config)));
  const wrap = prefix ? 'model = torch.nn.DataParallel(model)  # the keys carry "module."\n' : '';
  return {
    format: 'cris',
    library: 'CRIS.pytorch',
    files: files.sort(),
    homeSnippet: [
      'import torch',
      'from utils.config import load_cfg_from_cfg_file',
      'from model import build_segmenter',
      'cfg = load_cfg_from_cfg_file("{dir}/cris.yaml")  # add the DATA/TEST sections your run needs',
      'model, _ = build_segmenter(cfg)',
      `${wrap}model.load_state_dict(torch.load("{dir}/${CRIS_EXPORT_WEIGHTS}", map_location="cpu")["state_dict"], strict=True)`,
    ].join('\n'),
  };
}
