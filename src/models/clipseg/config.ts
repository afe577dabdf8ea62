// CLIPSeg configuration in HuggingFace's config.json fields. Defaults are CIDAS/clipseg-rd64-refined
// (ViT-B/16 CLIP, reduce_dim 64, the "refined" transposed-convolution head).
import { z } from 'zod';
import { clipTextConfigSchema, clipVisionConfigSchema } from '../clip/config.js';

const positiveInt = z.number().int().positive();

export const clipsegConfigSchema = z
  .object({
    text_config: clipTextConfigSchema.default({}),
    vision_config: clipVisionConfigSchema.default({}),
    projection_dim: positiveInt.default(512),
    logit_scale_init_value: z.number().default(2.6592),
    extract_layers: z.array(z.number().int().nonnegative()).nonempty().default([3, 6, 9]),
    reduce_dim: positiveInt.default(64),
    decoder_num_attention_heads: positiveInt.default(4),
    decoder_attention_dropout: z.number().min(0).max(1).default(0),
    // Read but not used: the decoder MLP is ReLU whatever this says; both the original code
    // (nn.TransformerEncoderLayer's default) and HuggingFace hard-code it
    // (fixtures/clipseg-tiny/README.md). Real CIDAS configs say "quick_gelu".
    decoder_hidden_act: z.string().default('quick_gelu'),
    decoder_intermediate_size: positiveInt.default(2048),
    conditional_layer: z.number().int().nonnegative().default(0),
    use_complex_transposed_convolution: z.boolean().default(true),
  })
  .passthrough()
  .superRefine((c, ctx) => {
    if (c.reduce_dim % c.decoder_num_attention_heads !== 0) {
      ctx.addIssue({ code: 'custom', path: ['decoder_num_attention_heads'], message: `reduce_dim ${c.reduce_dim} must be divisible by decoder_num_attention_heads ${c.decoder_num_attention_heads}` });
    }
    if (c.conditional_layer >= c.extract_layers.length) {
      ctx.addIssue({ code: 'custom', path: ['conditional_layer'], message: `conditional_layer ${c.conditional_layer} must index one of the ${c.extract_layers.length} extract_layers` });
    }
    const layers = c.vision_config.num_hidden_layers;
    const bad = c.extract_layers.find((l) => l + 1 > layers);
    if (bad !== undefined) ctx.addIssue({ code: 'custom', path: ['extract_layers'], message: `layer ${bad} does not exist in a ${layers}-layer vision tower` });
    if (c.use_complex_transposed_convolution && c.vision_config.patch_size % 4 !== 0) {
      ctx.addIssue({ code: 'custom', path: ['vision_config', 'patch_size'], message: 'the complex transposed convolution needs a patch size divisible by 4' });
    }
  });

export type CLIPSegConfig = z.infer<typeof clipsegConfigSchema>;

/** The CIDAS/clipseg-rd64-refined configuration (what the paper fine-tunes). */
export const clipsegRd64Refined = (): CLIPSegConfig => clipsegConfigSchema.parse({});
