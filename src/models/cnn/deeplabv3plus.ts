// DeepLabV3+ with a dilated ResNet encoder, as segmentation_models_pytorch 0.3.3's `DeepLabV3Plus`.
// Reference: qubvel-org/segmentation_models.pytorch@e5d3db2 (tag v0.3.3),
// segmentation_models_pytorch/decoders/deeplabv3/{decoder,model}.py. Defaults: encoder output
// stride 16 (layer4 dilated by 2), 256 decoder channels, separable ASPP with rates 12, 24, 36 plus
// the image-pooling branch, a 48-channel projection of the stride-4 features, bilinear upsampling
// with align_corners (nn.UpsamplingBilinear2d) ×4 in the decoder and ×4 in the head (1×1 conv).
import * as torch from '../../torch/index.js';
import { SegmentationHead, SmpSegmentationModel, type Decoder } from './base.js';
import type { CnnConfig } from './config.js';
import { encoderFromConfig } from './resnet.js';

const { nn, F } = torch;
type Tensor = torch.Tensor;

/** Depthwise k×k (dilated) then pointwise 1×1; keys `0.weight`, `1.weight` (and `1.bias`). */
export class SeparableConv2d extends nn.Sequential {
  constructor(inChannels: number, outChannels: number, kernelSize: number, o: { padding?: number; dilation?: number; bias?: boolean } = {}) {
    super(
      new nn.Conv2d(inChannels, inChannels, kernelSize, { padding: o.padding ?? 0, dilation: o.dilation ?? 1, groups: inChannels, bias: false }),
      new nn.Conv2d(inChannels, outChannels, 1, { bias: o.bias ?? true }),
    );
  }
}

/** conv → BatchNorm → ReLU, as the Sequentials smp spells out in ASPP and the decoder. */
function convBnRelu(conv: torch.nn.UnaryModule, channels: number): torch.nn.Sequential {
  return new nn.Sequential(conv, new nn.BatchNorm2d(channels), new nn.ReLU());
}

/** Global average pool → 1×1 conv-BN-ReLU, broadcast back to the input's size. */
export class ASPPPooling extends nn.Sequential {
  constructor(inChannels: number, outChannels: number) {
    // Index 0 is smp's nn.AdaptiveAvgPool2d(1) (no state); done in forward, so keys start at 1.
    super(new nn.Identity(), new nn.Conv2d(inChannels, outChannels, 1, { bias: false }), new nn.BatchNorm2d(outChannels), new nn.ReLU());
  }

  override forward(x: Tensor): Tensor {
    return torch.scope(() => {
      const [h, w] = x.shape.slice(-2);
      const pooled = super.forward(F.adaptiveAvgPool2d(x, 1)); // [B, C, 1, 1]
      return F.interpolate(pooled, { size: [h, w], mode: 'bilinear', alignCorners: false }); // [B, C, h, w]
    });
  }
}

/** Five parallel branches (1×1, three separable atrous 3×3, pooling), concatenated and projected. */
export class ASPP extends nn.Module {
  readonly convs: torch.nn.ModuleList<torch.nn.Sequential>;
  readonly project: torch.nn.Sequential;

  constructor(inChannels: number, outChannels: number, atrousRates: readonly [number, number, number]) {
    super();
    const branches: torch.nn.Sequential[] = [convBnRelu(new nn.Conv2d(inChannels, outChannels, 1, { bias: false }), outChannels)];
    for (const rate of atrousRates) branches.push(convBnRelu(new SeparableConv2d(inChannels, outChannels, 3, { padding: rate, dilation: rate, bias: false }), outChannels));
    branches.push(new ASPPPooling(inChannels, outChannels));
    this.convs = this.registerModule('convs', new nn.ModuleList(branches));
    this.project = this.registerModule(
      'project',
      new nn.Sequential(new nn.Conv2d(5 * outChannels, outChannels, 1, { bias: false }), new nn.BatchNorm2d(outChannels), new nn.ReLU(), new nn.Dropout(0.5)),
    );
  }

  /** x [B, Cin, h, w] → [B, Cout, h, w]. */
  forward(x: Tensor): Tensor {
    return torch.scope(() => {
      const branches = [...this.convs].map((branch) => branch.forward(x)); // 5 × [B, Cout, h, w]
      return this.project.forward(torch.cat(branches, 1)); // [B, 5·Cout, h, w] → [B, Cout, h, w]
    });
  }
}

export class DeepLabV3PlusDecoder extends nn.Module implements Decoder {
  readonly aspp: torch.nn.Sequential;
  readonly up: torch.nn.Upsample;
  readonly block1: torch.nn.Sequential;
  readonly block2: torch.nn.Sequential;

  constructor(encoderChannels: readonly number[], o: { outChannels?: number; atrousRates?: readonly [number, number, number]; outputStride?: 8 | 16 } = {}) {
    super();
    const outChannels = o.outChannels ?? 256;
    const outputStride = o.outputStride ?? 16;
    if (outputStride !== 8 && outputStride !== 16) throw new RangeError(`DeepLabV3PlusDecoder: output stride should be 8 or 16, got ${outputStride as number}`);
    const highresOut = 48; // proposed by the paper's authors; smp hard-codes it
    this.aspp = this.registerModule(
      'aspp',
      new nn.Sequential(
        new ASPP(encoderChannels[encoderChannels.length - 1], outChannels, o.atrousRates ?? [12, 24, 36]),
        new SeparableConv2d(outChannels, outChannels, 3, { padding: 1, bias: false }),
        new nn.BatchNorm2d(outChannels),
        new nn.ReLU(),
      ),
    );
    this.up = this.registerModule('up', new nn.Upsample({ scaleFactor: outputStride === 8 ? 2 : 4, mode: 'bilinear', alignCorners: true }));
    this.block1 = this.registerModule('block1', convBnRelu(new nn.Conv2d(encoderChannels[encoderChannels.length - 4], highresOut, 1, { bias: false }), highresOut));
    this.block2 = this.registerModule('block2', convBnRelu(new SeparableConv2d(highresOut + outChannels, outChannels, 3, { padding: 1, bias: false }), outChannels));
  }

  /** features [input, f1 … f5] → [B, Cout, H/4, W/4]. */
  forward(features: readonly Tensor[]): Tensor {
    return torch.scope(() => {
      const deepest = features[features.length - 1]; // [B, 8w·e, H/16, W/16] at output stride 16
      const aspp = this.up.forward(this.aspp.forward(deepest)); // [B, Cout, H/4, W/4]
      const highRes = this.block1.forward(features[features.length - 4]); // layer1: [B, 48, H/4, W/4]
      return this.block2.forward(torch.cat([aspp, highRes], 1)); // [B, Cout + 48, …] → [B, Cout, H/4, W/4]
    });
  }
}

/**
 * smp `DeepLabV3Plus(encoder_name, classes=…)`: dilated ResNet encoder (output stride 16),
 * DeepLabV3+ decoder, 1×1 head upsampled ×4 to the input size.
 *
 * @example
 * const model = new DeepLabV3Plus(cnnDefaults('deeplabv3plus'));
 */
export class DeepLabV3Plus extends SmpSegmentationModel<DeepLabV3PlusDecoder> {
  constructor(readonly config: CnnConfig) {
    const encoder = encoderFromConfig(config);
    const channels = config.decoder_channels as number;
    super(
      encoder,
      new DeepLabV3PlusDecoder(encoder.outChannels, { outChannels: channels, atrousRates: config.decoder_atrous_rates, outputStride: config.encoder_output_stride }),
      new SegmentationHead(channels, config.classes, { kernelSize: 1, upsampling: config.upsampling }),
    );
  }
}
