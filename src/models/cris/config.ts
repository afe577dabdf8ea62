// CRIS configuration: the sizes of fixtures/cris-tiny/config.json's sections. Every default is the
// reference CRIS-R50 (OpenAI CLIP RN50 + DerrickWang005/CRIS.pytorch config/refcoco/cris_r50.yaml).
// Sections are strict: a misspelt field is an error naming it, not a silently built wrong model.
// Descriptive fields (stem_channels, stage_out_channels, head-derived sizes …) are optional, and
// checked against the sizes they follow from when present. Top-level provenance fields pass through.
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const positivePair = z.tuple([positiveInt, positiveInt]);

export const crisBackboneSchema = z
  .object({
    type: z.literal('ModifiedResNet').default('ModifiedResNet'),
    /** Bottleneck blocks per stage (RN50 3,4,6,3; RN101 3,4,23,3). */
    vision_layers: z.tuple([positiveInt, positiveInt, positiveInt, positiveInt]).default([3, 4, 6, 3]),
    /** Stem width; stage planes are 1, 2, 4, 8 times it. */
    vision_width: positiveInt.default(64),
    /** Pretraining resolution: the attention-pool grid side is image_resolution / 32. */
    image_resolution: positiveInt.default(224),
    /** CLIP embedding size: attention-pool output, text projection size. */
    embed_dim: positiveInt.default(1024),
    /** Attention-pool heads; OpenAI's rule 32 · vision_width / 64 when absent. */
    attnpool_heads: positiveInt.optional(),
    stem_channels: z.tuple([positiveInt, positiveInt, positiveInt]).optional(),
    stage_planes: z.tuple([positiveInt, positiveInt, positiveInt, positiveInt]).optional(),
    stage_out_channels: z.tuple([positiveInt, positiveInt, positiveInt, positiveInt]).optional(),
    bottleneck_expansion: z.literal(4).optional(),
    attnpool_spacial_dim: positiveInt.optional(),
    attnpool_embed_dim: positiveInt.optional(),
    attnpool_output_dim: positiveInt.optional(),
  })
  .strict();

export const crisTextSchema = z
  .object({
    vocab_size: positiveInt.default(49408),
    /** Rows of the positional table. */
    context_length: positiveInt.default(77),
    /** Sequence length fed to the model (17, 22 or 77 in the released configs). */
    word_len: positiveInt.default(17),
    width: positiveInt.default(512),
    /** Text heads; OpenAI's rule width / 64 when absent. */
    heads: positiveInt.optional(),
    layers: positiveInt.default(12),
    /** MLP hidden size; always 4 · width in CLIP. */
    mlp_dim: positiveInt.optional(),
    projection_dim: positiveInt.optional(),
    sot_id: z.number().int().nonnegative().default(49406),
    eot_id: z.number().int().nonnegative().default(49407),
    /** CRIS finds padding as input_ids == 0, so padding must be 0. */
    pad_id: z.literal(0).default(0),
  })
  .strict();

export const crisNeckSchema = z
  .object({
    /** Channels of v3 (layer2), v4 (layer3), v5 (attention pool = embed_dim). */
    fpn_in: z.tuple([positiveInt, positiveInt, positiveInt]).default([512, 1024, 1024]),
    /** FPN widths: d/2, d, 2d. */
    fpn_out: z.tuple([positiveInt, positiveInt, positiveInt]).default([256, 512, 1024]),
  })
  .strict();

export const crisDecoderSchema = z
  .object({
    num_layers: positiveInt.default(3),
    /** CRIS's vis_dim: FPN output width, decoder width; must equal the text width. */
    d_model: positiveInt.default(512),
    num_heads: positiveInt.default(8),
    dim_ffn: positiveInt.default(2048),
    /** Used in training only. */
    dropout: z.number().min(0).max(1).default(0.1),
    /** The reference segmenter reshapes a single output, so intermediate outputs cannot be used. */
    return_intermediate: z.literal(false, { errorMap: () => ({ message: 'only false is supported: CRIS\'s segmenter reshapes a single decoder output' }) }).default(false),
  })
  .strict();

export const crisProjectorSchema = z
  .object({
    /** Input of its linear layer: the sentence state (embed_dim). */
    word_dim: positiveInt.default(1024),
    /** Channels of the upsampled map: d_model / 2. */
    in_dim: positiveInt.default(256),
    kernel_size: positiveInt.default(3),
    /** in_dim · kernel_size² + 1 (the dynamic kernel and its bias). */
    txt_out_dim: positiveInt.optional(),
  })
  .strict();

export const crisInputSchema = z
  .object({
    /** Model input [height, width]; both multiples of 32. */
    image_size: positivePair.default([416, 416]),
    pixel_mean: z.tuple([z.number(), z.number(), z.number()]).default([0.48145466, 0.4578275, 0.40821073]),
    pixel_std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).default([0.26862954, 0.26130258, 0.27577711]),
    /**
     * How an image reaches image_size. 'squash' (default; medvlsm HEAD): resized to image_size,
     * aspect ratio not kept. 'letterbox' (the fork that produced the published CRIS numbers,
     * docs/training.md §1.1, §7 item 2): scaled by min(H/h, W/w), centred, cubic, padded with
     * the mean; outputs go back through the inverse warp (models/cris/letterbox.ts).
     */
    resize: z.enum(['squash', 'letterbox']).default('squash'),
    // Descriptive fields of fixtures/cris-tiny (not used to build the model).
    batch: positiveInt.optional(),
    prompts: z.array(z.string()).optional(),
    tokenize_truncate: z.boolean().optional(),
  })
  .strict();

export const crisConfigSchema = z
  .object({
    model_type: z.literal('cris').optional(),
    backbone: crisBackboneSchema.default({}),
    text: crisTextSchema.default({}),
    neck: crisNeckSchema.default({}),
    decoder: crisDecoderSchema.default({}),
    projector: crisProjectorSchema.default({}),
    norm_eps: z.object({ batchnorm: z.number().positive().default(1e-5), layernorm: z.number().positive().default(1e-5) }).strict().default({}),
    input: crisInputSchema.default({}),
    /** Probability threshold of the binary mask (medvlsm's configs/model/cris.yaml: 0.35). */
    threshold: z.number().min(0).max(1).default(0.35),
    /**
     * How prompts are tokenized: 'cris' zero-pads to text.word_len (the CRIS data loader and the
     * published fork); 'medvlsm-hf' pads to 77 with <|endoftext|> (medvlsm HEAD's HF tokenizer),
     * which the padding mask input_ids == 0 then does not hide. See src/tokenizers/cris-tokenize.ts.
     */
    tokenizer_convention: z.enum(['cris', 'medvlsm-hf']).default('cris'),
    /** OpenAI CLIP TorchScript archive for the backbone (e.g. "RN50.pt"), relative to the config. */
    clip_pretrain: z.string().optional(),
  })
  .passthrough()
  .superRefine((c, ctx) => {
    const issue = (path: (string | number)[], message: string): void => ctx.addIssue({ code: 'custom', path, message });
    const b = c.backbone;
    const w = b.vision_width;
    const stageOut = [4 * w, 8 * w, 16 * w, 32 * w];
    if (w % 2 !== 0) issue(['backbone', 'vision_width'], `must be even (the stem's first convolutions have vision_width / 2 channels), got ${w}`);
    const heads = b.attnpool_heads ?? (32 * w) / 64;
    if (!Number.isInteger(heads) || (32 * w) % heads !== 0) issue(['backbone', 'attnpool_heads'], `the attention pool width 32 · vision_width = ${32 * w} must be divisible by the heads (${heads}); give attnpool_heads`);
    const expect = (path: (string | number)[], given: unknown, want: unknown, why: string): void => {
      if (given !== undefined && JSON.stringify(given) !== JSON.stringify(want)) issue(path, `is ${JSON.stringify(given)} but ${why} gives ${JSON.stringify(want)}`);
    };
    expect(['backbone', 'stem_channels'], b.stem_channels, [w / 2, w / 2, w], 'vision_width');
    expect(['backbone', 'stage_planes'], b.stage_planes, [w, 2 * w, 4 * w, 8 * w], 'vision_width');
    expect(['backbone', 'stage_out_channels'], b.stage_out_channels, stageOut, 'vision_width');
    expect(['backbone', 'attnpool_spacial_dim'], b.attnpool_spacial_dim, Math.floor(b.image_resolution / 32), 'image_resolution / 32');
    expect(['backbone', 'attnpool_embed_dim'], b.attnpool_embed_dim, 32 * w, '32 · vision_width');
    expect(['backbone', 'attnpool_output_dim'], b.attnpool_output_dim, b.embed_dim, 'embed_dim');

    const t = c.text;
    const textHeads = t.heads ?? t.width / 64;
    if (!Number.isInteger(textHeads) || textHeads < 1 || t.width % textHeads !== 0) issue(['text', 'heads'], `text width ${t.width} must be divisible by the heads (${textHeads}); give heads`);
    if (t.word_len > t.context_length) issue(['text', 'word_len'], `${t.word_len} exceeds context_length ${t.context_length}`);
    expect(['text', 'mlp_dim'], t.mlp_dim, 4 * t.width, '4 · width');
    expect(['text', 'projection_dim'], t.projection_dim, b.embed_dim, 'backbone.embed_dim');

    const d = c.decoder;
    expect(['neck', 'fpn_in'], c.neck.fpn_in, [stageOut[1], stageOut[2], b.embed_dim], 'the backbone (layer2 and layer3 channels, embed_dim)');
    if (c.neck.fpn_out[1] !== d.d_model) issue(['neck', 'fpn_out'], `fpn_out[1] (${c.neck.fpn_out[1]}) is the decoder's input width and must equal decoder.d_model (${d.d_model})`);
    if (t.width !== d.d_model) issue(['text', 'width'], `the decoder attends to the word features, so text.width (${t.width}) must equal decoder.d_model (${d.d_model})`);
    if (d.d_model % 4 !== 0) issue(['decoder', 'd_model'], `must be a multiple of 4 for the 2-D sine encoding, got ${d.d_model}`);
    if (d.d_model % d.num_heads !== 0) issue(['decoder', 'num_heads'], `d_model ${d.d_model} must be divisible by num_heads ${d.num_heads}`);

    const p = c.projector;
    if (p.word_dim !== b.embed_dim) issue(['projector', 'word_dim'], `the projector reads the sentence state, so word_dim (${p.word_dim}) must equal backbone.embed_dim (${b.embed_dim})`);
    if (2 * p.in_dim !== d.d_model) issue(['projector', 'in_dim'], `must be decoder.d_model / 2 = ${d.d_model / 2}, got ${p.in_dim}`);
    if (p.kernel_size % 2 !== 1) issue(['projector', 'kernel_size'], `must be odd (padding kernel_size // 2 keeps the size), got ${p.kernel_size}`);
    expect(['projector', 'txt_out_dim'], p.txt_out_dim, p.in_dim * p.kernel_size ** 2 + 1, 'in_dim · kernel_size² + 1');

    c.input.image_size.forEach((s, i) => {
      if (s % 32 !== 0) issue(['input', 'image_size', i], `must be a multiple of 32 (the backbone's stride), got ${s}`);
    });
  });

export type CRISConfig = z.infer<typeof crisConfigSchema>;

/** The reference CRIS-R50 configuration (CLIP RN50, word length 17, 416 × 416 input). */
export const crisR50 = (): CRISConfig => crisConfigSchema.parse({});

/** CRIS-R101 (CLIP RN101 + config/refcoco/cris_r101.yaml: embed_dim and word_dim 512, fpn_in 512, 1024, 512). */
export const crisR101 = (): CRISConfig =>
  crisConfigSchema.parse({ backbone: { vision_layers: [3, 4, 23, 3], embed_dim: 512 }, neck: { fpn_in: [512, 1024, 512] }, projector: { word_dim: 512 } });

/** Attention-pool heads, by OpenAI's rule when the config does not say. */
export const attnpoolHeads = (c: CRISConfig): number => c.backbone.attnpool_heads ?? (32 * c.backbone.vision_width) / 64;

/** Text heads, by OpenAI's rule when the config does not say. */
export const textHeads = (c: CRISConfig): number => c.text.heads ?? c.text.width / 64;
