// Size checks on model configs, before any memory is spent: a config.json (or a scratch config)
// with an absurd hidden_size, num_hidden_layers, vocab_size, image_size, ... would otherwise make
// libtorch allocate gigabytes to terabytes and fail with its raw allocator text, or abort the
// process. Every family's parsed config passes through checkConfigSizes (from parseConfig): each
// size field against a sane upper bound, then a rough estimate of parameter and activation bytes
// against the machine's memory. Field names are HuggingFace's, open_clip's, CRIS's and smp's.
import { freemem, totalmem } from 'node:os';
import { ConfigError } from '../errors.js';

const MAX_DEPTH = 1024;
const MAX_WIDTH = 65_536;
const MAX_FFN = 262_144;
const MAX_VOCAB = 10_000_000;
const MAX_IMAGE_SIDE = 16_384;
const MAX_HEADS = 4096;
const MAX_POSITIONS = 1_000_000;

/** The largest value each size field may take, by field name (array elements take their field's). */
export const fieldLimits: Readonly<Record<string, number>> = {
  num_hidden_layers: MAX_DEPTH, layers: MAX_DEPTH, num_layers: MAX_DEPTH, vision_layers: MAX_DEPTH, encoder_depth: MAX_DEPTH,
  hidden_size: MAX_WIDTH, width: MAX_WIDTH, d_model: MAX_WIDTH, embed_dim: MAX_WIDTH, projection_dim: MAX_WIDTH, reduce_dim: MAX_WIDTH,
  vision_width: MAX_WIDTH, head_width: MAX_WIDTH, in_dim: MAX_WIDTH, word_dim: MAX_WIDTH, txt_out_dim: MAX_FFN, fpn_in: MAX_WIDTH, fpn_out: MAX_WIDTH,
  decoder_channels: MAX_WIDTH, stem_channels: MAX_WIDTH, stage_planes: MAX_WIDTH, stage_out_channels: MAX_WIDTH,
  attnpool_embed_dim: MAX_WIDTH, attnpool_output_dim: MAX_WIDTH, attnpool_spacial_dim: MAX_IMAGE_SIDE, width_per_group: MAX_WIDTH, groups: MAX_WIDTH,
  num_channels: MAX_WIDTH, in_channels: MAX_WIDTH, classes: MAX_WIDTH,
  intermediate_size: MAX_FFN, decoder_intermediate_size: MAX_FFN, mlp_dim: MAX_FFN, dim_ffn: MAX_FFN, mlp_ratio: 64,
  vocab_size: MAX_VOCAB, type_vocab_size: MAX_VOCAB,
  num_attention_heads: MAX_HEADS, decoder_num_attention_heads: MAX_HEADS, heads: MAX_HEADS, num_heads: MAX_HEADS, attnpool_heads: MAX_HEADS,
  max_position_embeddings: MAX_POSITIONS, context_length: MAX_POSITIONS, word_len: MAX_POSITIONS,
  image_size: MAX_IMAGE_SIDE, image_resolution: MAX_IMAGE_SIDE, size: MAX_IMAGE_SIDE, crop_size: MAX_IMAGE_SIDE,
  shortest_edge: MAX_IMAGE_SIDE, longest_edge: MAX_IMAGE_SIDE, height: MAX_IMAGE_SIDE,
  patch_size: 4096, kernel_size: 1024, upsampling: 1024,
};

/** Fields under a preprocessor's `size` / `crop_size` ({height, width}, {shortest_edge}) are image sides. */
const IMAGE_SIDE_PARENTS = new Set(['size', 'crop_size']);

const BYTES_PER_VALUE = 4; // float32

/** Per input pixel, what a network holds at its widest point: 64 channels at full size, a few maps alive. */
const ACTIVATION_BYTES_PER_PIXEL = 64 * 4 * BYTES_PER_VALUE;

type Node = Record<string, unknown>;

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const firstNum = (node: Node, names: readonly string[]): number | undefined => {
  for (const n of names) {
    const v = num(node[n]);
    if (v !== undefined) return v;
  }
  return undefined;
};
const sum = (v: unknown): number | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]).reduce((a, b) => a + b, 0) : num(v));

const formatBytes = (n: number): string => {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
};

/** Every numeric field of a parsed config with its dotted path, iteratively. */
function numericFields(config: unknown): [path: string, name: string, parent: string, value: number][] {
  const out: [string, string, string, number][] = [];
  const stack: [unknown, string, string, string][] = [[config, '', '', '']];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const [value, path, name, parent] = stack.pop()!;
    if (typeof value === 'number') {
      out.push([path, name, parent, value]);
    } else if (Array.isArray(value)) {
      if (seen.has(value)) continue;
      seen.add(value);
      value.forEach((v, i) => stack.push([v, `${path}[${i}]`, name, parent]));
    } else if (isNode(value)) {
      if (seen.has(value)) continue;
      seen.add(value);
      for (const [k, v] of Object.entries(value)) stack.push([v, path === '' ? k : `${path}.${k}`, k, name]);
    }
  }
  return out;
}

/** Every object of a config (the config itself included), with its dotted path. */
function nodes(config: unknown): [string, Node][] {
  const out: [string, Node][] = [];
  const stack: [unknown, string][] = [[config, '']];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (!isNode(value) || seen.has(value)) continue;
    seen.add(value);
    out.push([path, value]);
    for (const [k, v] of Object.entries(value)) stack.push([v, path === '' ? k : `${path}.${k}`]);
  }
  return out;
}

interface Estimate {
  bytes: number;
  /** The field that contributes most, named in the error. */
  field: string;
}

/**
 * A rough lower estimate of the memory a model of this config needs at batch 1: the parameters of
 * each transformer-like part (depth × (4·width² + 2·width·ffn), embeddings, patch embedding) and
 * its attention maps at the input size, plus convolutional feature maps at the input size. Rough
 * on purpose: it exists to refuse configs that are off by orders of magnitude, not to plan memory.
 */
export function estimateConfigBytes(config: unknown): Estimate {
  const parts: Estimate[] = [];
  let largestImageSide = 0;
  let imageField = '';
  for (const [path, node] of nodes(config)) {
    const at = (field: string): string => (path === '' ? field : `${path}.${field}`);
    const width = firstNum(node, ['hidden_size', 'width', 'd_model']);
    const depth = sum(node.num_hidden_layers ?? node.layers ?? node.num_layers);
    const depthName = node.num_hidden_layers !== undefined ? 'num_hidden_layers' : node.layers !== undefined ? 'layers' : 'num_layers';
    if (width !== undefined && depth !== undefined) {
      const ratio = num(node.mlp_ratio);
      const ffn = firstNum(node, ['intermediate_size', 'mlp_dim', 'dim_ffn']) ?? (ratio !== undefined ? ratio * width : 4 * width);
      parts.push({ bytes: BYTES_PER_VALUE * depth * (4 * width * width + 2 * width * ffn), field: at(depthName) });
      const vocab = num(node.vocab_size);
      if (vocab !== undefined) parts.push({ bytes: BYTES_PER_VALUE * vocab * width, field: at('vocab_size') });
      const positions = firstNum(node, ['max_position_embeddings', 'context_length']);
      if (positions !== undefined) parts.push({ bytes: BYTES_PER_VALUE * positions * width, field: at(node.max_position_embeddings !== undefined ? 'max_position_embeddings' : 'context_length') });
      const image = num(node.image_size);
      const patch = num(node.patch_size);
      if (image !== undefined && patch !== undefined && patch > 0) {
        const tokens = (image / patch) ** 2 + 1;
        const heads = firstNum(node, ['num_attention_heads', 'heads']) ?? 1;
        parts.push({ bytes: BYTES_PER_VALUE * patch * patch * (num(node.num_channels) ?? 3) * width, field: at('patch_size') });
        // One layer's attention maps and activations are alive at once at inference.
        parts.push({ bytes: BYTES_PER_VALUE * (heads * tokens * tokens + 4 * tokens * Math.max(width, ffn)), field: at('image_size') });
      }
    }
    for (const name of ['image_size', 'image_resolution', 'size', 'shortest_edge', 'height']) {
      const v = node[name];
      const side = Array.isArray(v) ? Math.max(...v.filter((x): x is number => typeof x === 'number'), 0) : num(v);
      if (side !== undefined && side > largestImageSide) {
        largestImageSide = side;
        imageField = at(name);
      }
    }
  }
  if (largestImageSide > 0) parts.push({ bytes: ACTIVATION_BYTES_PER_PIXEL * largestImageSide * largestImageSide, field: imageField });
  const bytes = parts.reduce((a, p) => a + p.bytes, 0);
  const largest = parts.reduce<Estimate | undefined>((a, p) => (a === undefined || p.bytes > a.bytes ? p : a), undefined);
  return { bytes, field: largest?.field ?? '' };
}

/**
 * Refuses a parsed config whose sizes cannot fit: a field above its bound, or an estimated memory
 * need above this machine's memory. The ConfigError names `source`, the field and the numbers.
 */
export function checkConfigSizes(config: unknown, source: string, memoryBytes = totalmem()): void {
  for (const [path, name, parent, value] of numericFields(config)) {
    const limit = IMAGE_SIDE_PARENTS.has(parent) ? MAX_IMAGE_SIDE : fieldLimits[name];
    if (limit !== undefined && value > limit) {
      throw new ConfigError(`${source}: field '${path}' is ${value}, more than ${limit}, the most vlsm accepts for ${name}; the config is damaged or not meant for this model`, source, path);
    }
  }
  const estimate = estimateConfigBytes(config);
  if (estimate.bytes > memoryBytes) {
    throw new ConfigError(
      `${source}: a model of this config needs about ${formatBytes(estimate.bytes)} (parameters and activations at the input size), ` +
        `more than this machine's ${formatBytes(memoryBytes)} of memory (${formatBytes(freemem())} free); field '${estimate.field}' contributes most`,
      source,
      estimate.field,
    );
  }
}
