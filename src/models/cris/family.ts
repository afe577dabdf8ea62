// CRIS as a registry family: a checkpoint folder with a CRIS config (`config.json` or `cris.json`,
// the fields of fixtures/cris-tiny/config.json, every one defaulting to CRIS-R50), the weights
// (model.safetensors, or a CRIS train.py checkpoint such as best_model.pth), optionally OpenAI's
// RN50.pt for the backbone, and optionally CLIP tokenizer files (else the bundled vocabulary).
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { CheckpointError } from '../../errors.js';
import * as torch from '../../torch/index.js';
import { loadInto, SegmentationModelBase } from '../base.js';
import type { Resample } from '../resample.js';
import type { GrayImage, RgbImage } from '../../imaging/image-types.js';
import { ClipTokenizer } from '../../tokenizers/clip-bpe.js';
import { readConfigFile, readConfigText } from '../config-file.js';
import type { LoadOptions, ModelFamily, SegmentationBatch } from '../types.js';
import { crisConfigSchema, type CRISConfig } from './config.js';
import { letterboxMasks, letterboxResample } from './letterbox.js';
import { CRIS, upsampleLogits } from './model.js';
import { crisPreprocess } from './preprocess.js';
import { loadCrisWeights } from './weights.js';

type Tensor = torch.Tensor;

/** Config files a CRIS folder may have, in the order they are looked for. */
export const CRIS_CONFIG_FILES = ['config.json', 'cris.json'] as const;
/** Weights files, in the order they are looked for (CRIS's train.py writes best_model.pth / last_model.pth). */
export const CRIS_WEIGHTS_FILES = ['model.safetensors', 'model.pth', 'cris.pth', 'cris.pt', 'cris_best.pth', 'best_model.pth', 'last_model.pth'] as const;
/** OpenAI CLIP archives used for the backbone when the CRIS weights lack it. */
const CLIP_ARCHIVES = ['RN50.pt', 'RN101.pt'] as const;

export class CrisSegmentationModel extends SegmentationModelBase<CRIS> {
  readonly family = 'cris';
  readonly usesPrompt = true;

  constructor(module: CRIS, readonly tokenizer: ClipTokenizer) {
    super(module);
  }

  /** The fork's letterbox moves content: predictions and targets go through its warps. */
  get customGeometry(): boolean {
    return this.config.input.resize === 'letterbox';
  }

  /**
   * As the pipeline the geometry comes from (models/resample.ts): the fork's letterbox resamples
   * probabilities (inverse cubic warp), medvlsm HEAD's squash thresholds first ('nearest-mask').
   */
  get resample(): Resample {
    return this.customGeometry ? 'bicubic-probabilities' : 'nearest-mask';
  }

  /** Letterboxed soft masks (linear warp, fractional edges) of 0/1 masks, as the fork trains on. */
  targetMasks(masks: readonly GrayImage[]): Tensor {
    return letterboxMasks(masks, this.inputSize);
  }

  get config(): CRISConfig {
    return this.module.config;
  }

  /** input.image_size (416 × 416 for CRIS-R50). */
  get inputSize(): [number, number] {
    const [h, w] = this.config.input.image_size;
    return [h, w];
  }

  /** 0.35, medvlsm's configs/model/cris.yaml, unless the config says otherwise. */
  get threshold(): number {
    return this.config.threshold;
  }

  protected encode(images: readonly RgbImage[], prompts: readonly string[]): SegmentationBatch {
    return crisPreprocess(images, prompts, this.tokenizer, this.config);
  }

  /**
   * Logits [B, H, W] at the model input size: the projector's stride-4 logits upsampled
   * bicubically with align_corners true, as medvlsm's CRIS wrapper does before its sigmoid.
   */
  forward(batch: SegmentationBatch): Tensor {
    if (!batch.inputIds) throw new TypeError('CRIS.forward: the batch has no inputIds; CRIS needs a prompt (use preprocess)');
    return torch.scope(() => {
      const logits = this.module.forward(batch.pixelValues, batch.inputIds!); // [B, 1, H/4, W/4]
      return upsampleLogits(logits, this.inputSize).squeeze(1); // [B, H, W]
    });
  }

  /**
   * Letterbox (input.resize): through the fork's inverse warp (letterboxResample), so sigmoid >
   * threshold of 'bicubic-probabilities' is the fork's decision; the fork upsamples probabilities
   * rather than logits to 416 first (crisForkMasks does that order). Squash: the plain resize.
   */
  protected override resampleToOriginal(map: Tensor, size: readonly [number, number], resample: Resample): Tensor {
    if (!this.customGeometry) return super.resampleToOriginal(map, size, resample);
    return letterboxResample(map, this.inputSize, size, resample);
  }
}

/** The folder's CRIS config file, or undefined when it has none. */
function findConfigFile(folder: string): string | undefined {
  return CRIS_CONFIG_FILES.map((name) => join(folder, name)).find((path) => existsSync(path));
}

function readJsonObject(path: string): Record<string, unknown> | undefined {
  try {
    const json: unknown = JSON.parse(readConfigText(path));
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // detection only: load() reads the file again and reports what is wrong
  }
}

/** A CRIS config: model_type "cris", or the CRIS sections (neck.fpn_in and a projector). */
function looksLikeCris(config: Readonly<Record<string, unknown>>): boolean {
  if (config.model_type === 'cris') return true;
  const neck = config.neck as Record<string, unknown> | undefined;
  return typeof neck === 'object' && neck !== null && Array.isArray(neck.fpn_in) && typeof config.projector === 'object';
}

/** Reads the folder's CRIS configuration (config.json or cris.json). */
export function readCrisConfig(folder: string): CRISConfig {
  const path = findConfigFile(folder);
  if (!path) throw new CheckpointError(`${folder}: no CRIS config; expected one of ${CRIS_CONFIG_FILES.join(', ')} (an empty {} gives CRIS-R50)`, folder);
  return readConfigFile(crisConfigSchema, path);
}

/** The CLIP archive to put under the CRIS weights: config.clip_pretrain, or RN50.pt / RN101.pt when the weights lack the backbone. */
async function clipArchiveFor(folder: string, config: CRISConfig, weightsPath: string): Promise<string | undefined> {
  if (config.clip_pretrain) return isAbsolute(config.clip_pretrain) ? config.clip_pretrain : join(folder, config.clip_pretrain);
  const candidate = CLIP_ARCHIVES.map((name) => join(folder, name)).find((path) => existsSync(path));
  if (!candidate) return undefined;
  const info = await torch.io.inspectCheckpoint(weightsPath);
  const hasBackbone = info.tensors.some((t) => /^(module\.)?backbone\.visual\.conv1\.weight$/.test(t.name));
  return hasBackbone ? undefined : candidate;
}

export async function loadCris(folder: string, options: LoadOptions = {}): Promise<CrisSegmentationModel> {
  const config = readCrisConfig(folder);
  const weightsPath = CRIS_WEIGHTS_FILES.map((name) => join(folder, name)).find((path) => existsSync(path));
  if (!weightsPath) throw new CheckpointError(`${folder}: no CRIS weights file; expected one of ${CRIS_WEIGHTS_FILES.join(', ')}`, folder);
  const tokenizer = ClipTokenizer.fromDirectory(folder);
  const module = await loadInto(torch.scope(() => new CRIS(config)), options, weightsPath, async (m) => {
    const weights = await loadCrisWeights(weightsPath, { clipPretrain: await clipArchiveFor(folder, config, weightsPath) });
    try {
      if (![...weights.keys()].some((key) => key.startsWith('backbone.'))) {
        throw new CheckpointError(
          `${weightsPath}: has no backbone.* tensors (a CRIS head without its CLIP backbone); put OpenAI's ${CLIP_ARCHIVES.join(' or ')} in ${folder}, or name the archive with clip_pretrain in the config`,
          weightsPath,
        );
      }
      m.loadStateDict(weights, { file: weightsPath });
    } finally {
      torch.dispose([...weights.values()]);
    }
  });
  return new CrisSegmentationModel(module, tokenizer);
}

export const crisFamily: ModelFamily = {
  name: 'cris',
  description: 'CRIS (CLIP RN50/RN101 + text-conditioned FPN, vision-language decoder, dynamic-kernel projector; CRIS.pytorch checkpoints)',
  usesPrompt: true,
  /** Judged by the parsed config.json when the registry gives it, else by config.json / cris.json. */
  detect(folder: string, config?: Readonly<Record<string, unknown>>): boolean {
    if (config && looksLikeCris(config)) return true;
    const path = findConfigFile(folder);
    if (!path) return false;
    const json = readJsonObject(path);
    return json !== undefined && looksLikeCris(json);
  },
  load: loadCris,
  hubFiles: {
    required: [],
    weights: CRIS_WEIGHTS_FILES,
    optional: [...CRIS_CONFIG_FILES, 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.json', 'merges.txt'],
  },
};
