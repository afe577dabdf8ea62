// models.load(nameOrDir): a local folder, a HuggingFace id in the local cache, or a download from
// the Hub when online; the family (named, or detected from config.json) decides which files it
// needs and builds the model.
import { resolveModel, type ResolveModelOptions } from '../hub/index.js';
import { existsSync, statSync } from 'node:fs';
import * as torch from '../torch/index.js';
import { detectFamily, familyNamed } from './registry.js';
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

/** What a Hub repository needs for its family to be recognised (registry.detectFamily). */
const DETECTION_FILES = { required: ['config.json'], optional: ['open_clip_config.json'] };

/**
 * Loads a segmentation model by folder or HuggingFace id. The family comes first (named, or
 * detected from the folder's config), then the files that family needs: a local folder goes
 * straight to the family's loader, which names what is missing; a Hub id fetches the config files
 * to detect the family, then that family's weights and extras.
 *
 * @example
 * const model = await models.load('CIDAS/clipseg-rd64-refined');
 * const { mask } = model.predict(image, 'a small polyp');
 */
export async function load(nameOrDir: string, options: ModelLoadOptions = {}): Promise<SegmentationModel> {
  const loadOptions = { device: options.device, dtype: options.dtype, warn: options.warn };
  if (isFolder(nameOrDir)) return releasingBuildMemory(await detectFamily(nameOrDir, options.family).load(nameOrDir, loadOptions));
  const hub = {
    revision: options.revision,
    cacheDir: options.cacheDir,
    offline: options.offline,
    progress: options.progress,
    token: options.token,
    fetch: options.fetch,
    env: options.env,
  };
  const family = options.family ? familyNamed(options.family) : detectFamily((await resolveModel(nameOrDir, { ...hub, ...DETECTION_FILES })).dir);
  const needs = family.hubFiles ?? HF_FILES;
  const resolved = await resolveModel(nameOrDir, { ...hub, required: needs.required, files: needs.weights, optional: needs.optional });
  return releasingBuildMemory(await family.load(resolved.dir, loadOptions));
}

/** A loader frees the weights a model was built with when it loads the checkpoint's: their memory goes back now. */
function releasingBuildMemory(model: SegmentationModel): SegmentationModel {
  torch.cpu.emptyCache();
  return model;
}

function isFolder(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
