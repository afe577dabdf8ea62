// BiomedCLIP configuration from open_clip's open_clip_config.json (model_cfg + preprocess_cfg), as
// microsoft/BiomedCLIP-PubMedBERT_256-vit_base_patch16_224 ships it, resolved into the sizes of
// the two towers. open_clip names a timm ViT and a HuggingFace BERT by hub name only, so their
// sizes come from explicit fields when the file has them (open_clip's own CLIPVisionCfg fields
// width/layers/head_width/mlp_ratio/patch_size; a top-level "hf_text_config" holding a BERT
// config.json, as test/fixtures/biomedclipseg-tiny does) and otherwise from the tables below.
import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import { activationNames } from '../activations.js';
import { parseConfig, readConfigFile } from '../config-file.js';

const positiveInt = z.number().int().positive();
const triple = z.tuple([z.number(), z.number(), z.number()]);

/** A HuggingFace BERT config.json (the fields BertModel reads; bookkeeping passes through). */
export const bertConfigSchema = z
  .object({
    vocab_size: positiveInt.default(30522),
    hidden_size: positiveInt.default(768),
    num_hidden_layers: positiveInt.default(12),
    num_attention_heads: positiveInt.default(12),
    intermediate_size: positiveInt.default(3072),
    hidden_act: z.string().refine((s) => activationNames.includes(s), (s) => ({ message: `unknown activation '${s}'; known: ${activationNames.join(', ')}` })).default('gelu'),
    max_position_embeddings: positiveInt.default(512),
    type_vocab_size: positiveInt.default(2),
    layer_norm_eps: z.number().positive().default(1e-12),
    pad_token_id: z.number().int().nonnegative().default(0),
    position_embedding_type: z.literal('absolute', { errorMap: () => ({ message: 'only "absolute" position embeddings are implemented' }) }).default('absolute'),
    attention_probs_dropout_prob: z.number().min(0).max(1).default(0.1),
    hidden_dropout_prob: z.number().min(0).max(1).default(0.1),
  })
  .passthrough()
  .refine((c) => c.hidden_size % c.num_attention_heads === 0, { message: 'hidden_size must be divisible by num_attention_heads', path: ['num_attention_heads'] });

export type BertConfig = z.infer<typeof bertConfigSchema>;

const visionCfgSchema = z
  .object({
    timm_model_name: z.string(),
    timm_model_pretrained: z.boolean().default(false),
    // "" keeps timm's own pooling (the class token for a ViT); "token" says the same.
    timm_pool: z.enum(['', 'token'], { errorMap: () => ({ message: 'only timm_pool "" or "token" (class-token pooling) is implemented' }) }).default(''),
    timm_proj: z.literal('linear', { errorMap: () => ({ message: 'only timm_proj "linear" is implemented' }) }).default('linear'),
    timm_proj_bias: z.literal(false, { errorMap: () => ({ message: 'only timm_proj_bias false is implemented' }) }).default(false),
    image_size: positiveInt.default(224),
    // open_clip's CLIPVisionCfg fields; open_clip ignores them for timm towers, we read them.
    width: positiveInt.optional(),
    layers: positiveInt.optional(),
    head_width: positiveInt.optional(),
    mlp_ratio: z.number().positive().optional(),
    patch_size: positiveInt.optional(),
  })
  .passthrough();

const textCfgSchema = z
  .object({
    hf_model_name: z.string(),
    hf_tokenizer_name: z.string().optional(),
    // Older open_clip configs spell these "proj" and "pooler_type".
    hf_proj_type: z.enum(['mlp', 'linear']).optional(),
    proj: z.enum(['mlp', 'linear']).optional(),
    hf_pooler_type: z.literal('cls_last_hidden_state_pooler', { errorMap: () => ({ message: 'only "cls_last_hidden_state_pooler" is implemented' }) }).optional(),
    pooler_type: z.literal('cls_last_hidden_state_pooler', { errorMap: () => ({ message: 'only "cls_last_hidden_state_pooler" is implemented' }) }).optional(),
    context_length: positiveInt.default(256),
  })
  .passthrough();

export const openClipConfigSchema = z
  .object({
    model_cfg: z.object({ embed_dim: positiveInt, vision_cfg: visionCfgSchema, text_cfg: textCfgSchema }).passthrough(),
    preprocess_cfg: z
      .object({ mean: triple.default([0.48145466, 0.4578275, 0.40821073]), std: triple.default([0.26862954, 0.26130258, 0.27577711]) })
      .passthrough()
      .default({}),
    hf_text_config: bertConfigSchema.optional(),
  })
  .passthrough();

export type OpenClipConfigFile = z.infer<typeof openClipConfigSchema>;

/** The timm ViT's sizes (timm VisionTransformer arguments). */
export interface TimmViTConfig {
  /** timm's model name, for messages. */
  name: string;
  image_size: number;
  patch_size: number;
  width: number;
  layers: number;
  heads: number;
  mlp_dim: number;
  /** timm's ViT default (partial(nn.LayerNorm, eps=1e-6)). */
  layer_norm_eps: number;
}

/** A resolved BiomedCLIP: what the model is built from. */
export interface BiomedCLIPConfig {
  embed_dim: number;
  vision: TimmViTConfig;
  text: BertConfig;
  /** 'mlp': Linear → GELU → Linear, both without bias, hidden (width + embed_dim) // 2. */
  text_proj: 'mlp' | 'linear';
  context_length: number;
  mean: [number, number, number];
  std: [number, number, number];
  /** The BERT hub name, which also names the tokenizer. */
  hf_model_name: string;
}

/** timm ViTs by name: [width, layers, heads, mlp, patch, image]. */
const timmViTs: Record<string, [number, number, number, number, number, number]> = {
  vit_base_patch16_224: [768, 12, 12, 3072, 16, 224],
  vit_base_patch32_224: [768, 12, 12, 3072, 32, 224],
  vit_large_patch16_224: [1024, 24, 16, 4096, 16, 224],
};

/** BERT configs by hub name (their config.json); BiomedCLIP's text tower is BERT-base sized. */
const bertConfigs: Record<string, Partial<BertConfig>> = {
  'microsoft/BiomedNLP-BiomedBERT-base-uncased-abstract': { vocab_size: 30522 },
  'microsoft/BiomedNLP-PubMedBERT-base-uncased-abstract': { vocab_size: 30522 },
  'bert-base-uncased': { vocab_size: 30522 },
};

function visionTower(cfg: OpenClipConfigFile['model_cfg']['vision_cfg'], source: string): TimmViTConfig {
  const known = timmViTs[cfg.timm_model_name];
  const field = (name: string): never => {
    throw new ConfigError(
      `${source}: vision_cfg.timm_model_name "${cfg.timm_model_name}" is not a known timm ViT (known: ${Object.keys(timmViTs).join(', ')}) and vision_cfg.${name} is missing; ` +
        'give the tower sizes as vision_cfg width, layers, head_width, mlp_ratio and patch_size',
      source,
      `model_cfg.vision_cfg.${name}`,
    );
  };
  const width = cfg.width ?? known?.[0] ?? field('width');
  const layers = cfg.layers ?? known?.[1] ?? field('layers');
  const heads = cfg.head_width !== undefined ? width / cfg.head_width : known?.[2] ?? field('head_width');
  const mlp = cfg.mlp_ratio !== undefined ? width * cfg.mlp_ratio : known?.[3] ?? field('mlp_ratio');
  const patch = cfg.patch_size ?? known?.[4] ?? field('patch_size');
  if (!Number.isInteger(heads)) throw new ConfigError(`${source}: vision_cfg width ${width} is not a multiple of head_width ${cfg.head_width}`, source, 'model_cfg.vision_cfg.head_width');
  if (!Number.isInteger(mlp)) throw new ConfigError(`${source}: vision_cfg width ${width} × mlp_ratio ${cfg.mlp_ratio} is not an integer`, source, 'model_cfg.vision_cfg.mlp_ratio');
  if (cfg.image_size % patch !== 0) throw new ConfigError(`${source}: vision_cfg image_size ${cfg.image_size} is not a multiple of the patch size ${patch}`, source, 'model_cfg.vision_cfg.image_size');
  return { name: cfg.timm_model_name, image_size: cfg.image_size, patch_size: patch, width, layers, heads, mlp_dim: mlp, layer_norm_eps: 1e-6 };
}

function textTower(file: OpenClipConfigFile, source: string): BertConfig {
  if (file.hf_text_config) return file.hf_text_config;
  const name = file.model_cfg.text_cfg.hf_model_name;
  const known = bertConfigs[name];
  if (!known) {
    throw new ConfigError(
      `${source}: text_cfg.hf_model_name "${name}" is not a known BERT (known: ${Object.keys(bertConfigs).join(', ')}); ` +
        "add that model's config.json to the file under the top-level key \"hf_text_config\"",
      source,
      'model_cfg.text_cfg.hf_model_name',
    );
  }
  return bertConfigSchema.parse(known);
}

/** Resolves a parsed open_clip_config.json; `source` names the file in errors. */
export function resolveBiomedClipConfig(value: unknown, source = 'open_clip_config.json'): BiomedCLIPConfig {
  const file = parseConfig(openClipConfigSchema, value, source);
  const { embed_dim, vision_cfg, text_cfg } = file.model_cfg;
  const text_proj = text_cfg.hf_proj_type ?? text_cfg.proj;
  if (text_proj === undefined) throw new ConfigError(`${source}: text_cfg.hf_proj_type is missing ("mlp" for BiomedCLIP)`, source, 'model_cfg.text_cfg.hf_proj_type');
  if ((text_cfg.hf_pooler_type ?? text_cfg.pooler_type) === undefined) {
    throw new ConfigError(`${source}: text_cfg.hf_pooler_type is missing ("cls_last_hidden_state_pooler" for BiomedCLIP)`, source, 'model_cfg.text_cfg.hf_pooler_type');
  }
  const text = textTower(file, source);
  if (text_cfg.context_length > text.max_position_embeddings) {
    throw new ConfigError(`${source}: text_cfg.context_length ${text_cfg.context_length} exceeds the BERT's max_position_embeddings ${text.max_position_embeddings}`, source, 'model_cfg.text_cfg.context_length');
  }
  return {
    embed_dim,
    vision: visionTower(vision_cfg, source),
    text,
    text_proj,
    context_length: text_cfg.context_length,
    mean: file.preprocess_cfg.mean,
    std: file.preprocess_cfg.std,
    hf_model_name: text_cfg.hf_model_name,
  };
}

/** Reads and resolves an open_clip_config.json. */
export function readBiomedClipConfig(path: string): BiomedCLIPConfig {
  return resolveBiomedClipConfig(readConfigFile(openClipConfigSchema, path), path);
}

/** microsoft/BiomedCLIP-PubMedBERT_256-vit_base_patch16_224's open_clip_config.json. */
export const biomedClipPubMedBert256 = (): BiomedCLIPConfig =>
  resolveBiomedClipConfig(
    {
      model_cfg: {
        embed_dim: 512,
        vision_cfg: { timm_model_name: 'vit_base_patch16_224', timm_model_pretrained: false, timm_pool: '', timm_proj: 'linear', image_size: 224 },
        text_cfg: {
          hf_model_name: 'microsoft/BiomedNLP-BiomedBERT-base-uncased-abstract',
          hf_tokenizer_name: 'microsoft/BiomedNLP-BiomedBERT-base-uncased-abstract',
          hf_proj_type: 'mlp',
          hf_pooler_type: 'cls_last_hidden_state_pooler',
          context_length: 256,
        },
      },
      preprocess_cfg: { mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711] },
    },
    'the built-in BiomedCLIP-PubMedBERT_256-vit_base_patch16_224 config',
  );
