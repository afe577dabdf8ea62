// CLIPSeg → a HuggingFace folder that CLIPSegForImageSegmentation.from_pretrained and
// CLIPSegProcessor.from_pretrained load: vlsm's module keys are already transformers' (the
// loader's normalizeClipsegKeys only strips wrappers), so the weights go out under their own names.
import { join } from 'node:path';
import * as torch from '../../torch/index.js';
import { bundledClipVocabularyDir, CLIP_END_TOKEN, CLIP_START_TOKEN } from '../../tokenizers/clip-bpe.js';
import type { ClipsegSegmentationModel } from '../clipseg/family.js';
import { copyPresent, writeJson } from './folder-files.js';
import { disposeCopies, exportTensors } from './state-dict.js';
import { EXPORT_DTYPES, type ExportedModel, type ExportOptions } from './types.js';

/** PIL's resample codes as transformers stores them in preprocessor_config.json. */
const PIL_CODES: Record<string, number> = { nearest: 0, lanczos: 1, bilinear: 2, bicubic: 3, box: 4, hamming: 5 };

const TOKENIZER_FILES = ['vocab.json', 'merges.txt', 'tokenizer.json'];

/** config.json: the model's CLIPSegConfig with transformers' identifying fields. */
export function clipsegHfConfig(model: ClipsegSegmentationModel, dtype: torch.DType): Record<string, unknown> {
  const config = model.module.config;
  return {
    ...config,
    architectures: ['CLIPSegForImageSegmentation'],
    model_type: 'clipseg',
    torch_dtype: dtype,
    text_config: { ...config.text_config, model_type: 'clipseg_text_model' },
    vision_config: { ...config.vision_config, model_type: 'clipseg_vision_model' },
  };
}

/** preprocessor_config.json: ViTImageProcessor with the model's size, resample and statistics. */
export function clipsegPreprocessorConfig(model: ClipsegSegmentationModel): Record<string, unknown> {
  const p = model.preprocessing;
  return {
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    image_mean: [...p.mean],
    image_std: [...p.std],
    image_processor_type: 'ViTImageProcessor',
    processor_class: 'CLIPSegProcessor',
    resample: PIL_CODES[p.resample] ?? 2,
    rescale_factor: p.rescaleFactor,
    size: { height: p.size[0], width: p.size[1] },
  };
}

export function exportClipsegHf(model: ClipsegSegmentationModel, dir: string, o: ExportOptions): ExportedModel {
  const dtype = EXPORT_DTYPES[o.dtype ?? 'fp32'];
  const tensors = exportTensors(model.module.stateDict(), dtype);
  try {
    torch.io.saveSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  } finally {
    disposeCopies(tensors);
  }
  const files = ['model.safetensors'];
  files.push(writeJson(dir, 'config.json', clipsegHfConfig(model, dtype)));
  files.push(writeJson(dir, 'preprocessor_config.json', clipsegPreprocessorConfig(model)));
  // The source's own vocabulary when it shipped one, else vlsm's bundled copy of OpenAI's (the one CIDAS ships).
  const copied = copyPresent(o.sourceFolder, dir, TOKENIZER_FILES);
  if (!copied.includes('vocab.json') && !copied.includes('tokenizer.json')) copied.push(...copyPresent(bundledClipVocabularyDir(), dir, ['vocab.json', 'merges.txt']));
  files.push(...copied);
  // The source's special tokens when it has them (CIDAS pads with "!"), else the pad token the model uses.
  const copiedSpecial = copyPresent(o.sourceFolder, dir, ['special_tokens_map.json', 'tokenizer_config.json']);
  files.push(...copiedSpecial);
  const padToken = [CLIP_END_TOKEN, '!'].find((t) => model.tokenizer.tokenToId(t) === model.tokenizer.padId) ?? CLIP_END_TOKEN;
  const special = { bos_token: CLIP_START_TOKEN, eos_token: CLIP_END_TOKEN, unk_token: CLIP_END_TOKEN, pad_token: padToken };
  if (!copiedSpecial.includes('special_tokens_map.json')) files.push(writeJson(dir, 'special_tokens_map.json', special));
  if (!copiedSpecial.includes('tokenizer_config.json')) {
    files.push(writeJson(dir, 'tokenizer_config.json', {
      ...special,
      tokenizer_class: 'CLIPTokenizer',
      processor_class: 'CLIPSegProcessor',
      model_max_length: model.module.config.text_config.max_position_embeddings,
      do_lower_case: true,
      errors: 'replace',
      add_prefix_space: false,
    }));
  }
  return {
    format: 'hf',
    library: 'transformers',
    files: files.sort(),
    homeSnippet: [
      'from transformers import CLIPSegForImageSegmentation, CLIPSegProcessor',
      'processor = CLIPSegProcessor.from_pretrained("{dir}")',
      'model = CLIPSegForImageSegmentation.from_pretrained("{dir}").eval()',
      'inputs = processor(text=["a polyp"], images=[image], padding="max_length", return_tensors="pt")',
      'logits = model(**inputs).logits  # [352, 352] for one image; sigmoid > 0.5 is the mask',
    ].join('\n'),
  };
}
