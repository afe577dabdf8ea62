// Configuration of the CNN baselines, in segmentation_models_pytorch 0.3.3's argument names
// (`smp.create_model(arch, encoder_name, ...)`, as medvlsm's configs/model/{unet,unetplusplus,
// deeplabv3plus}.yaml pass them). Defaults are the library's, with the paper's encoder (resnet50),
// one output channel and a 256×256 input (docs/training.md §1.1).
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const UNET_DECODER_CHANNELS = [256, 128, 64, 32, 16];

/** The decoder architectures, by smp's `create_model` names. */
export const cnnArchitectures = ['unet', 'unetplusplus', 'deeplabv3plus'] as const;
export type CnnArchitecture = (typeof cnnArchitectures)[number];

/**
 * A ResNet's shape, torchvision's `ResNet(block, layers, groups, width_per_group)` arguments, plus
 * `width` (torchvision hard-codes 64: the stem's channels and layer1's planes; layer k has
 * width·2^(k-1) planes). Only the tiny test models change it.
 */
export const resnetParamsSchema = z
  .object({
    block: z.enum(['basic', 'bottleneck']),
    layers: z.tuple([positiveInt, positiveInt, positiveInt, positiveInt]),
    width: positiveInt.default(64),
    groups: positiveInt.default(1),
    width_per_group: positiveInt.default(64),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.block === 'basic' && (p.groups !== 1 || p.width_per_group !== 64)) {
      ctx.addIssue({ code: 'custom', path: ['block'], message: 'a basic block only supports groups 1 and width_per_group 64 (torchvision BasicBlock)' });
    }
  });
export type ResNetParams = z.infer<typeof resnetParamsSchema>;

export const cnnConfigSchema = z
  .object({
    /** Decoder architecture (smp `arch`). */
    arch: z.enum(cnnArchitectures),
    /** A torchvision ResNet: resnet18, resnet34, resnet50 (the paper's), resnet101, resnet152. */
    encoder_name: z.string().default('resnet50'),
    /** vlsm extension: an explicit ResNet shape, overriding the named one (tiny test models). */
    encoder_params: resnetParamsSchema.optional(),
    /** Number of encoder stages used, 3 to 5 (the decoder has as many blocks). */
    encoder_depth: z.number().int().min(3).max(5).default(5),
    /** 'imagenet': the encoder starts from torchvision's ImageNet weights when training; null: random. */
    encoder_weights: z.enum(['imagenet']).nullable().default('imagenet'),
    /** DeepLabV3+ only: 16 (smp's default; layer4 dilated by 2) or 8 (layer3 by 2, layer4 by 4). */
    encoder_output_stride: z.union([z.literal(8), z.literal(16)]).default(16),
    /** UNet/UNet++: channels of the decoder blocks, one per encoder stage ([256,128,64,32,16]); DeepLabV3+: one number (256). */
    decoder_channels: z.union([z.array(positiveInt).min(1), positiveInt]).optional(),
    /** UNet/UNet++: BatchNorm between each convolution and its ReLU (true); false gives biased convolutions. */
    decoder_use_batchnorm: z.boolean().default(true),
    /** UNet/UNet++: only null (smp's optional 'scse' attention is not implemented). */
    decoder_attention_type: z.null().default(null),
    /** DeepLabV3+: dilation rates of the three separable ASPP branches. */
    decoder_atrous_rates: z.tuple([positiveInt, positiveInt, positiveInt]).default([12, 24, 36]),
    /** DeepLabV3+: bilinear (align_corners) upsampling factor of the segmentation head. */
    upsampling: positiveInt.default(4),
    in_channels: positiveInt.default(3),
    /** Output channels (logits); the paper's pooled-all CNNs use 17. */
    classes: positiveInt.default(1),
    /** Only null: the model returns logits (smp `activation=None`). */
    activation: z.null().default(null),
    /** Model input side in pixels. */
    image_size: positiveInt.default(256),
    /**
     * 'square': resize every image to image_size × image_size (default; what "input 256" means in
     * the paper, and batches stack). 'shorter-side': the shorter side to image_size keeping the
     * aspect ratio, as medvlsm HEAD's torchvision `Resize(256)` does (docs/training.md §1.1, §7 item 20).
     */
    resize: z.enum(['square', 'shorter-side']).default('square'),
  })
  .passthrough()
  .superRefine((c, ctx) => {
    const d = c.decoder_channels;
    if (c.arch === 'deeplabv3plus') {
      if (Array.isArray(d)) ctx.addIssue({ code: 'custom', path: ['decoder_channels'], message: 'DeepLabV3+ takes one number of decoder channels (default 256), not a list' });
      if (c.encoder_depth !== 5) ctx.addIssue({ code: 'custom', path: ['encoder_depth'], message: 'DeepLabV3+ needs all 5 encoder stages' });
    } else {
      if (typeof d === 'number') ctx.addIssue({ code: 'custom', path: ['decoder_channels'], message: `${c.arch} takes a list of decoder channels, one per encoder stage (default [256, 128, 64, 32, 16])` });
      const list = Array.isArray(d) ? d : UNET_DECODER_CHANNELS;
      if (typeof d !== 'number' && list.length !== c.encoder_depth) {
        ctx.addIssue({ code: 'custom', path: ['decoder_channels'], message: `Model depth is ${c.encoder_depth}, but you provide decoder_channels for ${list.length} blocks` });
      }
    }
  });

export type CnnConfigInput = z.input<typeof cnnConfigSchema>;
type Parsed = z.infer<typeof cnnConfigSchema>;

/** A parsed configuration with the architecture's decoder defaults filled in. */
export type CnnConfig = Parsed & { decoder_channels: number[] | number };

/** Fills the architecture-dependent default of decoder_channels. */
export function resolveCnnConfig(config: Parsed): CnnConfig {
  const decoderChannels = config.decoder_channels ?? (config.arch === 'deeplabv3plus' ? 256 : [...UNET_DECODER_CHANNELS]);
  return { ...config, decoder_channels: decoderChannels };
}

/** smp's defaults for `arch` with a ResNet-50 encoder and one class (what the paper trains). */
export const cnnDefaults = (arch: CnnArchitecture, overrides: Partial<CnnConfigInput> = {}): CnnConfig =>
  resolveCnnConfig(cnnConfigSchema.parse({ ...overrides, arch }));
