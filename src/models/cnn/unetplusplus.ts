// UNet++ (nested U-Net) with a ResNet encoder, as segmentation_models_pytorch 0.3.3's `UnetPlusPlus`.
// Reference: qubvel-org/segmentation_models.pytorch@e5d3db2 (tag v0.3.3),
// segmentation_models_pytorch/decoders/unetplusplus/{decoder,model}.py. Node x_{d}_{l} (depth d,
// layer l) upsamples x_{d}_{l-1} and concatenates every x_{i}_{l} with i > d and the encoder skip
// of layer l; the blocks are U-Net's (decoder channels 256, 128, 64, 32, 16 by default).
import * as torch from '../../torch/index.js';
import { SegmentationHead, SmpSegmentationModel, type Decoder } from './base.js';
import type { CnnConfig } from './config.js';
import { encoderFromConfig } from './resnet.js';
import { DecoderBlock, decoderChannelPlan } from './unet.js';

const { nn } = torch;
type Tensor = torch.Tensor;

/** The dense decoder; its blocks live in a ModuleDict under smp's names `x_{depth}_{layer}`. */
export class UnetPlusPlusDecoder extends nn.Module implements Decoder {
  readonly blocks: torch.nn.ModuleDict<DecoderBlock>;
  /** Number of nested layers (4 for five encoder stages). */
  readonly depth: number;

  constructor(encoderChannels: readonly number[], decoderChannels: readonly number[], o: { useBatchnorm?: boolean } = {}) {
    super();
    if (decoderChannels.length !== encoderChannels.length - 1) {
      throw new RangeError(`UnetPlusPlusDecoder: Model depth is ${encoderChannels.length - 1}, but you provide decoder_channels for ${decoderChannels.length} blocks`);
    }
    const { inChannels, skipChannels, outChannels } = decoderChannelPlan(encoderChannels, decoderChannels);
    // Registered in smp's order (layer by layer, depth within), which is the checkpoint's key order.
    const blocks = new Map<string, DecoderBlock>();
    for (let layer = 0; layer < inChannels.length - 1; layer++) {
      for (let depth = 0; depth <= layer; depth++) {
        const [cin, cskip, cout] =
          depth === 0
            ? [inChannels[layer], skipChannels[layer] * (layer + 1), outChannels[layer]]
            : [skipChannels[layer - 1], skipChannels[layer] * (layer + 1 - depth), skipChannels[layer]];
        blocks.set(`x_${depth}_${layer}`, new DecoderBlock(cin, cskip, cout, o));
      }
    }
    this.depth = inChannels.length - 1;
    blocks.set(`x_0_${this.depth}`, new DecoderBlock(inChannels[this.depth], 0, outChannels[this.depth], o));
    this.blocks = this.registerModule('blocks', new nn.ModuleDict(blocks));
  }

  /** features [input, f1 … fD] → [B, decoder_channels[-1], H, W]. */
  forward(features: readonly Tensor[]): Tensor {
    return torch.scope(() => {
      const f = features.slice(1).reverse(); // deepest first: f[0] at 1/32 … f[D-1] at 1/2
      const dense = new Map<string, Tensor>();
      const node = (d: number, l: number): Tensor => dense.get(`x_${d}_${l}`)!;
      for (let layer = 0; layer < this.depth; layer++) {
        for (let depth = 0; depth < this.depth - layer; depth++) {
          if (layer === 0) {
            dense.set(`x_${depth}_${depth}`, this.blocks.get(`x_${depth}_${depth}`).forward(f[depth], f[depth + 1]));
            continue;
          }
          const l = depth + layer;
          const nested = [];
          for (let i = depth + 1; i <= l; i++) nested.push(node(i, l));
          const skip = torch.cat([...nested, f[l + 1]], 1); // [B, Σ, 2h, 2w]
          dense.set(`x_${depth}_${l}`, this.blocks.get(`x_${depth}_${l}`).forward(node(depth, l - 1), skip));
        }
      }
      return this.blocks.get(`x_0_${this.depth}`).forward(node(0, this.depth - 1));
    });
  }
}

/**
 * smp `UnetPlusPlus(encoder_name, classes=…)`: ResNet encoder, nested decoder, 3×3 head.
 *
 * @example
 * const model = new UnetPlusPlus(cnnDefaults('unetplusplus'));
 */
export class UnetPlusPlus extends SmpSegmentationModel<UnetPlusPlusDecoder> {
  constructor(readonly config: CnnConfig) {
    const encoder = encoderFromConfig(config);
    const channels = config.decoder_channels as number[];
    super(
      encoder,
      new UnetPlusPlusDecoder(encoder.outChannels, channels, { useBatchnorm: config.decoder_use_batchnorm }),
      new SegmentationHead(channels[channels.length - 1], config.classes, { kernelSize: 3 }),
    );
  }
}
