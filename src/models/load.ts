// models.load(nameOrDir): a local folder, a HuggingFace id in the local cache, or a download from
// the Hub when online; then the family (detected from config.json, or named) builds the model.
import { resolveModel, type ResolveModelOptions } from '../hub/index.js';
import { familyNamed, loadFolder } from './registry.js';
import type { LoadOptions, SegmentationModel } from './types.js';

/** HuggingFace's usual checkpoint files: what CIDAS/clipseg-rd64-refined ships. */
const HF_FILES = {
  required: ['config.json'],
  weights: ['model.safetensors', 'pytorch_model.bin'],
  optional: ['preprocessor_config.json', 'processor_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.json', 'merges.txt', 'vocab.txt'],
};

export interface ModelLoadOptions extends LoadOptions, Pick<ResolveModelOptions, 'revision' | 'cacheDir' | 'offline' | 'progress' | 'token' | 'fetch' | 'env'> {
  /** A registry family name, when the folder's config does not identify it. */
  family?: string;
}

/**
 * Loads a segmentation model by folder or HuggingFace id.
 *
 * @example
 * const model = await models.load('CIDAS/clipseg-rd64-refined');
 * const { mask } = predict(model, image, 'a small polyp');
 */
export async function load(nameOrDir: string, options: ModelLoadOptions = {}): Promise<SegmentationModel> {
  const needs = options.family ? familyNamed(options.family).hubFiles ?? HF_FILES : HF_FILES;
  const resolved = await resolveModel(nameOrDir, {
    required: needs.required,
    files: needs.weights,
    optional: needs.optional,
    revision: options.revision,
    cacheDir: options.cacheDir,
    offline: options.offline,
    progress: options.progress,
    token: options.token,
    fetch: options.fetch,
    env: options.env,
  });
  return loadFolder(resolved.dir, { family: options.family, device: options.device, dtype: options.dtype });
}
