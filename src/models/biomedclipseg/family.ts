// The 'biomedclipseg' and 'biomedclipseg-d' model families: how a checkpoint folder is
// recognised, read and turned into a ready SegmentationModel.
//
// A folder holds:
//   open_clip_config.json                                  BiomedCLIP (required)
//   open_clip_model.safetensors | open_clip_pytorch_model.bin   its weights (required)
//   config.json                                            the decoder's CLIPSegConfig
//                                                          (default: CIDAS/clipseg-rd64-refined's)
//   decoder.safetensors                                    decoder weights, `decoder.*` keys
//   tokenizer.json | vocab.txt (+ tokenizer_config.json)   the BiomedBERT WordPiece tokenizer
// Without decoder.safetensors, 'biomedclipseg' starts the decoder from PyTorch's default
// initialisation (seeded, DEFAULT_DECODER_SEED) and 'biomedclipseg-d' takes the `decoder.*`
// tensors of a CLIPSeg checkpoint in the folder (model.safetensors or pytorch_model.bin, e.g.
// CIDAS/clipseg-rd64-refined's). Once a decoder is trained the two load alike.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../torch/index.js';
import { checkOnePromptPerImage, loadInto, SegmentationModelBase } from '../base.js';
import { CheckpointError, ConfigError } from '../../errors.js';
import type { RgbImage } from '../../imaging/image-types.js';
import { WordPieceTokenizer } from '../../tokenizers/index.js';
import { readBiomedClipConfig } from '../biomedclip/config.js';
import { normalizeBiomedClipKeys } from '../biomedclip/weights.js';
import { parseConfig, readConfigText } from '../config-file.js';
import { clipsegConfigSchema, clipsegRd64Refined, type CLIPSegConfig } from '../clipseg/config.js';
import type { LoadOptions, ModelFamily, SegmentationBatch, SegmentationModel } from '../types.js';
import { biomedClipSegConfig, type TapOptions } from './config.js';
import { BiomedCLIPSeg } from './model.js';
import { imagesToPixelValues, promptsToTokens } from './preprocess.js';
import { clipsegDecoderTensors } from './weights.js';
import { describeJsonError } from '../../json-error.js';

type Tensor = torch.Tensor;

/** The seed of a randomly initialised decoder when none is given (medvlsm HEAD's seed). */
export const DEFAULT_DECODER_SEED = 42;

const OPEN_CLIP_CONFIG = 'open_clip_config.json';
const OPEN_CLIP_WEIGHTS = ['open_clip_model.safetensors', 'open_clip_pytorch_model.bin'];
const DECODER_WEIGHTS = 'decoder.safetensors';
const CLIPSEG_WEIGHTS = ['model.safetensors', 'pytorch_model.bin'];

export type DecoderInit = 'random' | 'clipseg';

export interface BiomedCLIPSegLoadOptions extends LoadOptions, TapOptions {
  /** Seed of the random decoder (variant 'random' without decoder.safetensors). */
  decoderSeed?: number;
}

const firstExisting = (folder: string, names: readonly string[]): string | undefined => names.map((n) => join(folder, n)).find((p) => existsSync(p));

/** True for an open_clip config with a timm image tower and a HuggingFace text tower. */
function isBiomedClipFolder(folder: string): boolean {
  const path = join(folder, OPEN_CLIP_CONFIG);
  if (!existsSync(path)) return false;
  try {
    const cfg = (JSON.parse(readConfigText(path)) as { model_cfg?: { vision_cfg?: Record<string, unknown>; text_cfg?: Record<string, unknown> } }).model_cfg;
    return typeof cfg?.vision_cfg?.timm_model_name === 'string' && typeof cfg?.text_cfg?.hf_model_name === 'string';
  } catch {
    return false; // not ours to read: detection only answers yes or no; load reports the problem
  }
}

/** The decoder's CLIPSegConfig: config.json when it is one, else CIDAS/clipseg-rd64-refined's. */
function readDecoderConfig(folder: string): { config: CLIPSegConfig; source: string } {
  const path = join(folder, 'config.json');
  if (!existsSync(path)) return { config: clipsegRd64Refined(), source: 'the built-in CIDAS/clipseg-rd64-refined config' };
  const text = readConfigText(path);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`${path}: not valid JSON (${describeJsonError(cause, text)})`, path, undefined, { cause });
  }
  const modelType = (json as { model_type?: unknown }).model_type;
  if (modelType !== 'clipseg') {
    throw new ConfigError(`${path}: model_type is ${JSON.stringify(modelType)}; BiomedCLIPSeg reads config.json as the decoder's CLIPSeg config ("clipseg"), e.g. CIDAS/clipseg-rd64-refined's`, path, 'model_type');
  }
  return { config: parseConfig(clipsegConfigSchema, json, path), source: path };
}

async function loadWeights(model: BiomedCLIPSeg, folder: string, init: DecoderInit): Promise<void> {
  const encoderPath = firstExisting(folder, OPEN_CLIP_WEIGHTS);
  if (!encoderPath) {
    throw new CheckpointError(`${folder}: no BiomedCLIP weights; expected ${OPEN_CLIP_WEIGHTS.join(' or ')} (from microsoft/BiomedCLIP-PubMedBERT_256-vit_base_patch16_224)`, folder);
  }
  const encoder = await torch.io.loadStateDict(encoderPath);
  try {
    model.biomedclip.loadStateDict(normalizeBiomedClipKeys(encoder), { file: encoderPath });
  } finally {
    torch.dispose([...encoder.values()]);
  }
  const decoderPath = join(folder, DECODER_WEIGHTS);
  if (existsSync(decoderPath)) return loadDecoder(model, decoderPath, torch.io.loadSafetensors(decoderPath));
  if (init === 'random') return;
  const clipsegPath = firstExisting(folder, CLIPSEG_WEIGHTS);
  if (!clipsegPath) {
    throw new CheckpointError(
      `${folder}: BiomedCLIPSeg-D starts its decoder from a CLIPSeg checkpoint, and the folder has none of ${[DECODER_WEIGHTS, ...CLIPSEG_WEIGHTS].join(', ')}; ` +
        "copy CIDAS/clipseg-rd64-refined's model.safetensors and config.json into it",
      folder,
    );
  }
  return loadDecoder(model, clipsegPath, await torch.io.loadStateDict(clipsegPath));
}

function loadDecoder(model: BiomedCLIPSeg, path: string, weights: Map<string, Tensor>): void {
  try {
    const decoder = clipsegDecoderTensors(weights, path);
    model.decoder.loadStateDict(new Map([...decoder].map(([k, v]) => [k.slice('decoder.'.length), v])), { file: path });
  } finally {
    torch.dispose([...weights.values()]);
  }
}

/** Builds and loads a BiomedCLIPSeg from a folder (see the layout above). */
export async function loadBiomedClipSeg(folder: string, init: DecoderInit, o: BiomedCLIPSegLoadOptions = {}): Promise<BiomedCLIPSeg> {
  const biomedclipPath = join(folder, OPEN_CLIP_CONFIG);
  const biomedclip = readBiomedClipConfig(biomedclipPath);
  const { config: decoder, source } = readDecoderConfig(folder);
  const config = biomedClipSegConfig(biomedclip, decoder, { tap: o.tap, tappedBlocks: o.tappedBlocks, source: `${biomedclipPath} with ${source}` });
  const model = new BiomedCLIPSeg(config, { decoderSeed: o.decoderSeed ?? DEFAULT_DECODER_SEED });
  return loadInto(model, o, folder, (m) => loadWeights(m, folder, init));
}

/** A loaded BiomedCLIPSeg behind the family contract. */
export class BiomedCLIPSegSegmentationModel extends SegmentationModelBase<BiomedCLIPSeg> {
  readonly usesPrompt = true;
  readonly threshold = 0.5;
  /** medvlsm's: the binary prediction resized with nearest-exact (models/resample.ts). */
  readonly resample = 'nearest-mask';
  readonly inputSize: [number, number];

  constructor(readonly family: string, module: BiomedCLIPSeg, readonly tokenizer: WordPieceTokenizer) {
    super(module);
    this.inputSize = [module.imageSize, module.imageSize];
  }

  protected encode(images: readonly RgbImage[], prompts: readonly string[]): SegmentationBatch {
    checkOnePromptPerImage(this.family, images.length, prompts.length);
    const { biomedclip } = this.module.config;
    const pixelValues = imagesToPixelValues(images, { size: biomedclip.vision.image_size, mean: biomedclip.mean, std: biomedclip.std });
    const { inputIds, attentionMask } = promptsToTokens(this.tokenizer, prompts, biomedclip.context_length);
    return { pixelValues, inputIds, attentionMask, originalSizes: images.map((im) => [im.height, im.width] as [number, number]) };
  }

  forward(batch: SegmentationBatch): Tensor {
    if (!batch.inputIds) throw new TypeError(`${this.family} forward: the batch has no inputIds; BiomedCLIPSeg needs a text prompt per image`);
    return torch.scope(() => this.module.forward({ pixelValues: batch.pixelValues, inputIds: batch.inputIds, attentionMask: batch.attentionMask }).logits);
  }
}

function family(name: string, init: DecoderInit, description: string, detect: (folder: string) => boolean): ModelFamily {
  // config.json, when present, is the decoder's CLIPSeg config; the open_clip config decides.
  return {
    name,
    description,
    usesPrompt: true,
    detect,
    async load(folder: string, options: LoadOptions = {}): Promise<SegmentationModel> {
      const tokenizer = WordPieceTokenizer.fromDirectory(folder);
      const model = await loadBiomedClipSeg(folder, init, options);
      return new BiomedCLIPSegSegmentationModel(name, model, tokenizer);
    },
  };
}

/** BiomedCLIPSeg: the CLIPSeg decoder on BiomedCLIP, trained from a random start. */
export const biomedClipSegFamily: ModelFamily = family(
  'biomedclipseg',
  'random',
  'BiomedCLIPSeg: the CLIPSeg decoder, randomly initialised, on BiomedCLIP (ViT-B/16 + PubMedBERT), 224×224',
  isBiomedClipFolder,
);

/** BiomedCLIPSeg-D: the same with the decoder initialised from CLIPSeg's (CIDAS/clipseg-rd64-refined). */
export const biomedClipSegDFamily: ModelFamily = family(
  'biomedclipseg-d',
  'clipseg',
  "BiomedCLIPSeg-D: BiomedCLIP (ViT-B/16 + PubMedBERT) with the decoder initialised from CLIPSeg's, 224×224",
  // A trained decoder (decoder.safetensors) loads alike under both names; 'biomedclipseg-d' claims
  // only the starting layout: BiomedCLIP beside a CLIPSeg checkpoint whose decoder it takes.
  (folder) => isBiomedClipFolder(folder) && !existsSync(join(folder, DECODER_WEIGHTS)) && firstExisting(folder, CLIPSEG_WEIGHTS) !== undefined,
);
