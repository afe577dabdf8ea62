// BiomedCLIPSeg / -D → the folder medvlsm loads: open_clip's files for BiomedCLIP
// (open_clip_config.json, open_clip_model.safetensors under open_clip's keys) and the CLIPSeg
// decoder (config.json, decoder.safetensors under transformers' `decoder.*` names), plus the
// BiomedBERT tokenizer files. vlsm keeps open_clip's keys under `biomedclip.`, so that goes.
import { join } from 'node:path';
import { ConfigError } from '../../errors.js';
import * as torch from '../../torch/index.js';
import type { BiomedCLIPSegSegmentationModel } from '../biomedclipseg/family.js';
import { copyPresent, writeJson } from './folder-files.js';
import { disposeCopies, exportTensors } from './state-dict.js';
import { EXPORT_DTYPES, type ExportedModel, type ExportOptions } from './types.js';

const TOKENIZER_FILES = ['tokenizer.json', 'vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json'];

/** The module's state dict split into open_clip's (prefix removed) and the decoder's (prefix kept). */
export function splitBiomedClipSeg(stateDict: ReadonlyMap<string, torch.Tensor>): { openClip: [string, torch.Tensor][]; decoder: [string, torch.Tensor][] } {
  const openClip: [string, torch.Tensor][] = [];
  const decoder: [string, torch.Tensor][] = [];
  for (const [key, t] of stateDict) {
    if (key.startsWith('biomedclip.')) openClip.push([key.slice('biomedclip.'.length), t]);
    else if (key.startsWith('decoder.')) decoder.push([key, t]);
    else throw new ConfigError(`BiomedCLIPSeg export: state-dict key '${key}' belongs to neither biomedclip nor decoder`);
  }
  return { openClip, decoder };
}

function saveSafetensors(path: string, entries: Iterable<readonly [string, torch.Tensor]>, dtype: torch.DType): void {
  const tensors = exportTensors(entries, dtype);
  try {
    torch.io.saveSafetensors(path, tensors, { format: 'pt' });
  } finally {
    disposeCopies(tensors);
  }
}

export function exportBiomedClipSeg(model: BiomedCLIPSegSegmentationModel, dir: string, o: ExportOptions): ExportedModel {
  const dtype = EXPORT_DTYPES[o.dtype ?? 'fp32'];
  const copied = copyPresent(o.sourceFolder, dir, ['open_clip_config.json', ...TOKENIZER_FILES]);
  if (!copied.includes('open_clip_config.json')) {
    throw new ConfigError(`BiomedCLIPSeg export: the source folder ${o.sourceFolder ?? '(unknown)'} has no open_clip_config.json to ship with the weights; export from the run or folder the model was loaded from`);
  }
  if (!copied.includes('tokenizer.json') && !copied.includes('vocab.txt')) {
    throw new ConfigError(`BiomedCLIPSeg export: the source folder ${o.sourceFolder} has no tokenizer (tokenizer.json or vocab.txt)`);
  }
  const { openClip, decoder } = splitBiomedClipSeg(model.module.stateDict());
  saveSafetensors(join(dir, 'open_clip_model.safetensors'), openClip, dtype);
  saveSafetensors(join(dir, 'decoder.safetensors'), decoder, dtype);
  const files = [...copied, 'open_clip_model.safetensors', 'decoder.safetensors'];
  files.push(writeJson(dir, 'config.json', { ...model.module.config.decoder, model_type: 'clipseg', architectures: ['CLIPSegForImageSegmentation'] }));
  return {
    format: 'open_clip',
    library: 'open_clip',
    files: files.sort(),
    homeSnippet: [
      'import open_clip, torch',
      'from safetensors.torch import load_file',
      'from transformers import CLIPSegConfig',
      'from transformers.models.clipseg.modeling_clipseg import CLIPSegDecoder',
      'biomedclip, preprocess = open_clip.create_model_from_pretrained("local-dir:{dir}")',
      'tokenizer = open_clip.get_tokenizer("local-dir:{dir}")',
      'decoder = CLIPSegDecoder(CLIPSegConfig.from_pretrained("{dir}"))',
      'decoder.load_state_dict({k[len("decoder."):]: v for k, v in load_file("{dir}/decoder.safetensors").items()})',
      '# medvlsm\'s BiomedCLIPSeg(biomedclip_hf_api="local-dir:{dir}", clipseg_hf_api="{dir}") builds the same pair;',
      '# load decoder.safetensors into its .decoder. The decoder taps ViT blocks extract_layers + 1 (medvlsm\'s convention).',
    ].join('\n'),
  };
}
