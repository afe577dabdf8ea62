// U-Net with a ResNet encoder, as segmentation_models_pytorch 0.3.3's `Unet`.
// Reference: qubvel-org/segmentation_models.pytorch@e5d3db2 (tag v0.3.3),
// segmentation_models_pytorch/decoders/unet/{decoder,model}.py. Defaults: decoder channels
// 256, 128, 64, 32, 16; nearest ×2 upsampling then concatenation with the skip; two
// conv-BN-ReLU per block; no center block (smp adds one only for VGG encoders); no attention;
// a 3×3 head to `classes` logits.
import * as torch from '../../torch/index.js';
import { Conv2dReLU, SegmentationHead, SmpSegmentationModel, type Decoder } from './base.js';
import { encoderFromConfig } from './resnet.js';
import type { CnnConfig } from './config.js';

const { nn, F } = torch;
type Tensor = torch.Tensor;

/** Upsample ×2 (nearest), concatenate the skip, then two conv-BN-ReLU. Shared with UNet++. */
export class DecoderBlock extends nn.Module {
  readonly conv1: Conv2dReLU;
  readonly conv2: Conv2dReLU;

  constructor(inChannels: number, skipChannels: number, outChannels: number, o: { useBatchnorm?: boolean } = {}) {
    super();
    // attention1 / attention2 are smp's Attention(None): identities without state, left out.
    this.conv1 = this.registerModule('conv1', new Conv2dReLU(inChannels + skipChannels, outChannels, 3, { padding: 1, useBatchnorm: o.useBatchnorm }));
    this.conv2 = this.registerModule('conv2', new Conv2dReLU(outChannels, outChannels, 3, { padding: 1, useBatchnorm: o.useBatchnorm }));
  }

  /** x [B, Cin, h, w], skip [B, Cskip, 2h, 2w] → [B, Cout, 2h, 2w]. */
  forward(x: Tensor, skip?: Tensor): Tensor {
    return torch.scope(() => {
      let y = F.interpolate(x, { scaleFactor: 2, mode: 'nearest' }); // [B, Cin, 2h, 2w]
      if (skip) y = torch.cat([y, skip], 1); // [B, Cin + Cskip, 2h, 2w]
      return this.conv2.forward(this.conv1.forward(y));
    });
  }
}

/**
 * Each block's input, skip and output channels, from the encoder's (input first) and the decoder's:
 * the deepest feature is the head, the others are skips from deep to shallow, the last block has none.
 */
export function decoderChannelPlan(encoderChannels: readonly number[], decoderChannels: readonly number[]): { inChannels: number[]; skipChannels: number[]; outChannels: number[] } {
  const reversed = encoderChannels.slice(1).reverse(); // the input is no skip
  return { inChannels: [reversed[0], ...decoderChannels.slice(0, -1)], skipChannels: [...reversed.slice(1), 0], outChannels: [...decoderChannels] };
}

export class UnetDecoder extends nn.Module implements Decoder {
  readonly blocks: torch.nn.ModuleList<DecoderBlock>;

  constructor(encoderChannels: readonly number[], decoderChannels: readonly number[], o: { useBatchnorm?: boolean } = {}) {
    super();
    if (decoderChannels.length !== encoderChannels.length - 1) {
      throw new RangeError(`UnetDecoder: Model depth is ${encoderChannels.length - 1}, but you provide decoder_channels for ${decoderChannels.length} blocks`);
    }
    const { inChannels, skipChannels, outChannels } = decoderChannelPlan(encoderChannels, decoderChannels);
    // smp's `center` is an Identity for ResNet encoders: no state, not kept.
    const blocks = inChannels.map((c, i) => new DecoderBlock(c, skipChannels[i], outChannels[i], o));
    this.blocks = this.registerModule('blocks', new nn.ModuleList(blocks));
  }

  /** features [input, f1 … fD] → [B, decoder_channels[-1], H, W]. */
  forward(features: readonly Tensor[]): Tensor {
    return torch.scope(() => {
      const [head, ...skips] = features.slice(1).reverse(); // deepest first
      let x = head;
      for (let i = 0; i < this.blocks.length; i++) x = this.blocks.at(i).forward(x, skips[i]);
      return x;
    });
  }
}

/**
 * smp `Unet(encoder_name, classes=…)`: ResNet encoder, U-Net decoder, 3×3 head.
 *
 * @example
 * const model = new Unet(cnnDefaults('unet')); // resnet50, 1 class
 * const logits = model.forward(pixelValues);   // [B, 1, 256, 256] for [B, 3, 256, 256]
 */
export class Unet extends SmpSegmentationModel<UnetDecoder> {
  constructor(readonly config: CnnConfig) {
    const encoder = encoderFromConfig(config);
    const channels = config.decoder_channels as number[];
    super(
      encoder,
      new UnetDecoder(encoder.outChannels, channels, { useBatchnorm: config.decoder_use_batchnorm }),
      new SegmentationHead(channels[channels.length - 1], config.classes, { kernelSize: 3 }),
    );
  }
}
