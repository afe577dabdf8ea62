// CLIP configuration in HuggingFace's config.json fields. Defaults are those of the towers inside
// CIDAS/clipseg-rd64-refined (ViT-B/16 vision, the standard CLIP text transformer).
// HuggingFace configs carry bookkeeping fields (transformers_version, id2label, ...) that do not
// change the architecture, so unknown fields pass through; every field read here is validated.
import { z } from 'zod';
import { activationNames } from '../activations.js';

const positiveInt = z.number().int().positive();
const act = z.string().refine((s) => activationNames.includes(s), (s) => ({ message: `unknown activation '${s}'; known: ${activationNames.join(', ')}` }));

export const clipTextConfigSchema = z
  .object({
    vocab_size: positiveInt.default(49408),
    hidden_size: positiveInt.default(512),
    intermediate_size: positiveInt.default(2048),
    num_hidden_layers: positiveInt.default(12),
    num_attention_heads: positiveInt.default(8),
    max_position_embeddings: positiveInt.default(77),
    hidden_act: act.default('quick_gelu'),
    layer_norm_eps: z.number().positive().default(1e-5),
    attention_dropout: z.number().min(0).max(1).default(0),
    bos_token_id: z.number().int().default(49406),
    eos_token_id: z.number().int().default(49407),
    pad_token_id: z.number().int().default(49407),
  })
  .passthrough()
  .refine((c) => c.hidden_size % c.num_attention_heads === 0, { message: 'hidden_size must be divisible by num_attention_heads', path: ['num_attention_heads'] });

export const clipVisionConfigSchema = z
  .object({
    hidden_size: positiveInt.default(768),
    intermediate_size: positiveInt.default(3072),
    num_hidden_layers: positiveInt.default(12),
    num_attention_heads: positiveInt.default(12),
    num_channels: positiveInt.default(3),
    image_size: positiveInt.default(224),
    patch_size: positiveInt.default(16),
    hidden_act: act.default('quick_gelu'),
    layer_norm_eps: z.number().positive().default(1e-5),
    attention_dropout: z.number().min(0).max(1).default(0),
  })
  .passthrough()
  .refine((c) => c.hidden_size % c.num_attention_heads === 0, { message: 'hidden_size must be divisible by num_attention_heads', path: ['num_attention_heads'] })
  .refine((c) => c.image_size % c.patch_size === 0, { message: 'image_size must be a multiple of patch_size', path: ['patch_size'] });

export type CLIPTextConfig = z.infer<typeof clipTextConfigSchema>;
export type CLIPVisionConfig = z.infer<typeof clipVisionConfigSchema>;

export const clipConfigSchema = z
  .object({
    text_config: clipTextConfigSchema.default({}),
    vision_config: clipVisionConfigSchema.default({}),
    projection_dim: positiveInt.default(512),
    logit_scale_init_value: z.number().default(2.6592),
  })
  .passthrough();

export type CLIPConfig = z.infer<typeof clipConfigSchema>;
