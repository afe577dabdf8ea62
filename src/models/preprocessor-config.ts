// A HuggingFace image processor's saved settings → ImageProcessorConfig, read as transformers reads
// them: from processor_config.json's `image_processor` (what transformers 5 writes) or else from
// preprocessor_config.json; fields a file leaves out take the processor class's defaults
// (ViTImageProcessor, which CLIPSeg uses, unless the file names a CLIP image processor).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { PIL_RESAMPLE_CODES } from '../imaging/pil-resize.js';
import { parseConfig, readConfigFile } from './config-file.js';
import { CLIP_MEAN, CLIP_STD, type ImageProcessorConfig, type SizeRule } from './image-processor.js';

const side = z.number().int().positive();
const sizeField = z.union([
  side,
  z.array(side).min(1).max(2),
  z.object({ height: side, width: side }).strict(),
  z.object({ shortest_edge: side }).strict(),
  z.object({ shortest_edge: side, longest_edge: side }).strict(),
  z.object({ longest_edge: side }).strict(),
  z.object({ max_height: side, max_width: side }).strict(),
]);
const channelValues = (positive: boolean) => z.union([positive ? z.number().positive() : z.number(), z.array(positive ? z.number().positive() : z.number()).length(3)]);

/** The fields of a preprocessor_config.json that decide the pixels (others pass through). */
export const preprocessorConfigSchema = z
  .object({
    image_processor_type: z.string().optional(),
    feature_extractor_type: z.string().optional(),
    do_resize: z.boolean().optional(),
    size: sizeField.optional(),
    resample: z.number().int().optional(),
    do_center_crop: z.boolean().optional(),
    crop_size: sizeField.optional(),
    do_rescale: z.boolean().optional(),
    rescale_factor: z.number().positive().optional(),
    do_normalize: z.boolean().optional(),
    image_mean: channelValues(false).optional(),
    image_std: channelValues(true).optional(),
    // vlsm decodes every image to RGB before preprocessing, and converting RGB to RGB changes
    // nothing, so the flag is accepted with either value.
    do_convert_rgb: z.boolean().nullable().optional(),
  })
  .passthrough();

export type PreprocessorConfigJson = z.infer<typeof preprocessorConfigSchema>;

const IMAGENET_STANDARD = [0.5, 0.5, 0.5] as const;

/** Class defaults, transformers' ViTImageProcessor and CLIPImageProcessor. */
interface ClassDefaults {
  /** An int `size` means a square (ViT) or the shortest edge (CLIP). */
  intSizeIsSquare: boolean;
  size: SizeRule;
  resample: number;
  doCenterCrop: boolean;
  cropSize: [number, number];
  mean: readonly number[];
  std: readonly number[];
}

const VIT_DEFAULTS: ClassDefaults = { intSizeIsSquare: true, size: { height: 224, width: 224 }, resample: 2, doCenterCrop: false, cropSize: [224, 224], mean: IMAGENET_STANDARD, std: IMAGENET_STANDARD };
const CLIP_DEFAULTS: ClassDefaults = { intSizeIsSquare: false, size: { shortestEdge: 224 }, resample: 3, doCenterCrop: true, cropSize: [224, 224], mean: CLIP_MEAN, std: CLIP_STD };

function classDefaults(json: PreprocessorConfigJson): ClassDefaults {
  const type = json.image_processor_type ?? json.feature_extractor_type ?? '';
  return /^CLIP(ImageProcessor|FeatureExtractor)/.test(type) ? CLIP_DEFAULTS : VIT_DEFAULTS;
}

type SizeJson = z.infer<typeof sizeField>;

/** transformers' get_size_dict: an int is a square or a shortest edge; a list is (height, width). */
function sizeRule(size: SizeJson, intIsSquare: boolean): SizeRule {
  if (typeof size === 'number') return intIsSquare ? { height: size, width: size } : { shortestEdge: size };
  if (Array.isArray(size)) return size.length === 1 ? sizeRule(size[0]!, intIsSquare) : { height: size[0]!, width: size[1]! };
  if ('height' in size) return { height: size.height, width: size.width };
  if ('max_height' in size) return { maxHeight: size.max_height, maxWidth: size.max_width };
  if ('shortest_edge' in size) return 'longest_edge' in size ? { shortestEdge: size.shortest_edge, longestEdge: size.longest_edge } : { shortestEdge: size.shortest_edge };
  return { longestEdge: size.longest_edge };
}

function perChannel(value: number | number[]): number[] {
  return typeof value === 'number' ? [value, value, value] : value;
}

/** The nominal model input of a rule: its size when fixed, else its edge as a square. */
function nominalSize(rule: SizeRule): [number, number] {
  if ('height' in rule) return [rule.height, rule.width];
  if ('maxHeight' in rule) return [rule.maxHeight, rule.maxWidth];
  if ('shortestEdge' in rule) return [rule.shortestEdge, rule.shortestEdge];
  return [rule.longestEdge, rule.longestEdge];
}

/**
 * A parsed preprocessor_config.json → the pipeline it describes. `fallbackSize` is the model
 * input reported when neither a fixed resize nor a crop decides one (do_resize false).
 * `source` names the file in errors.
 */
export function fromPreprocessorConfig(json: PreprocessorConfigJson, fallbackSize: [number, number], source = 'preprocessor_config.json'): ImageProcessorConfig {
  const defaults = classDefaults(json);
  const resampleCode = json.resample ?? defaults.resample;
  const resample = PIL_RESAMPLE_CODES[resampleCode];
  if (resample === undefined) {
    throw new ConfigError(`${source}: resample ${resampleCode} is not a PIL filter; use 0 (nearest), 1 (lanczos), 2 (bilinear), 3 (bicubic), 4 (box) or 5 (hamming)`, source, 'resample');
  }
  const resize = json.do_resize ?? true ? (json.size === undefined ? defaults.size : sizeRule(json.size, defaults.intSizeIsSquare)) : null;
  let centerCrop: [number, number] | null = null;
  if (json.do_center_crop ?? defaults.doCenterCrop) {
    // crop_size is always read as a square when an int (get_size_dict(crop_size, default_to_square=True)).
    const crop = json.crop_size === undefined ? { height: defaults.cropSize[0], width: defaults.cropSize[1] } : sizeRule(json.crop_size, true);
    if (!('height' in crop)) throw new ConfigError(`${source}: crop_size must give height and width, got ${JSON.stringify(json.crop_size)}`, source, 'crop_size');
    centerCrop = [crop.height, crop.width];
  }
  const normalize = json.do_normalize ?? true;
  return {
    size: centerCrop ?? (resize ? nominalSize(resize) : fallbackSize),
    resize,
    centerCrop,
    resample,
    rescaleFactor: json.do_rescale ?? true ? json.rescale_factor ?? 1 / 255 : 1,
    mean: normalize ? perChannel(json.image_mean ?? [...defaults.mean]) : [0, 0, 0],
    std: normalize ? perChannel(json.image_std ?? [...defaults.std]) : [1, 1, 1],
  };
}

const processorConfigSchema = z.object({ image_processor: z.record(z.unknown()).optional() }).passthrough();

/**
 * The image processor a checkpoint folder saves: processor_config.json's `image_processor` when it
 * has one (transformers 5), else preprocessor_config.json; undefined when the folder has neither.
 */
export function readImageProcessorConfig(folder: string, fallbackSize: [number, number]): ImageProcessorConfig | undefined {
  const processorPath = join(folder, 'processor_config.json');
  if (existsSync(processorPath)) {
    const nested = readConfigFile(processorConfigSchema, processorPath).image_processor;
    if (nested !== undefined) {
      const source = `${processorPath} (image_processor)`;
      return fromPreprocessorConfig(parseConfig(preprocessorConfigSchema, nested, source), fallbackSize, source);
    }
  }
  const preprocessorPath = join(folder, 'preprocessor_config.json');
  if (!existsSync(preprocessorPath)) return undefined;
  return fromPreprocessorConfig(readConfigFile(preprocessorConfigSchema, preprocessorPath), fallbackSize, preprocessorPath);
}
