// ResNet encoders with torchvision's module tree and key names (conv1, bn1, layer1..4, each block's
// conv/bn pairs and downsample.0/.1), so torchvision ImageNet checkpoints load name for name.
// References: pytorch/vision torchvision/models/resnet.py (0.14: BasicBlock, Bottleneck with the
// stride on the 3×3 convolution, `_make_layer`); segmentation_models_pytorch 0.3.3
// (qubvel-org/segmentation_models.pytorch@e5d3db2) encoders/resnet.py (ResNetEncoder: the
// torchvision model without fc and avgpool, returning the input and five feature maps) and
// encoders/_base.py + _utils.py (`make_dilated`: output stride 16 or 8 by dilating the last stages).
import { ConfigError } from '../../errors.js';
import * as torch from '../../torch/index.js';
import type { CnnConfig, ResNetParams } from './config.js';

const { nn, F } = torch;
type Tensor = torch.Tensor;

/** smp's ResNet encoders (encoders/resnet.py `resnet_encoders`): plain data, one entry a model. */
export const resnetEncoders: Readonly<Record<string, ResNetParams>> = {
  resnet18: { block: 'basic', layers: [2, 2, 2, 2], width: 64, groups: 1, width_per_group: 64 },
  resnet34: { block: 'basic', layers: [3, 4, 6, 3], width: 64, groups: 1, width_per_group: 64 },
  resnet50: { block: 'bottleneck', layers: [3, 4, 6, 3], width: 64, groups: 1, width_per_group: 64 },
  resnet101: { block: 'bottleneck', layers: [3, 4, 23, 3], width: 64, groups: 1, width_per_group: 64 },
  resnet152: { block: 'bottleneck', layers: [3, 8, 36, 3], width: 64, groups: 1, width_per_group: 64 },
  resnext50_32x4d: { block: 'bottleneck', layers: [3, 4, 6, 3], width: 64, groups: 32, width_per_group: 4 },
  resnext101_32x8d: { block: 'bottleneck', layers: [3, 4, 23, 3], width: 64, groups: 32, width_per_group: 8 },
};

/** The shape of a named encoder; an unknown name lists the choices. */
export function resnetParams(name: string): ResNetParams {
  const params = resnetEncoders[name];
  if (!params) throw new ConfigError(`Wrong encoder name '${name}', supported encoders: ${Object.keys(resnetEncoders).join(', ')}`, undefined, 'encoder_name');
  return params;
}

interface BlockOptions {
  /** Stride of the block as torchvision builds it (decides the downsample branch). */
  stride: number;
  /** Dilation of the 3×3 convolutions; a dilated block runs at stride 1 (smp's make_dilated). */
  dilation: number;
  groups: number;
  widthPerGroup: number;
}

/** conv1x1 + BatchNorm on the shortcut when the shape changes (torchvision `_make_layer`). */
function downsample(inplanes: number, outplanes: number, stride: number): torch.nn.Sequential {
  return new nn.Sequential(new nn.Conv2d(inplanes, outplanes, 1, { stride, bias: false }), new nn.BatchNorm2d(outplanes));
}

/**
 * smp's replace_strides_with_dilation sets every convolution of a dilated stage to stride 1,
 * dilation d and padding (k // 2)·d; for the 1×1 convolutions this changes nothing, so only the
 * 3×3 ones carry it here.
 */
function conv3x3(inplanes: number, outplanes: number, stride: number, dilation: number, groups = 1): torch.nn.Conv2d {
  return new nn.Conv2d(inplanes, outplanes, 3, { stride: dilation > 1 ? 1 : stride, padding: dilation, dilation, groups, bias: false });
}

/** Two 3×3 convolutions with a residual (ResNet-18/34); the stride is on conv1. */
export class BasicBlock extends nn.Module {
  static readonly expansion = 1;
  readonly conv1: torch.nn.Conv2d;
  readonly bn1: torch.nn.BatchNorm2d;
  readonly conv2: torch.nn.Conv2d;
  readonly bn2: torch.nn.BatchNorm2d;
  readonly downsample: torch.nn.Sequential | null;

  constructor(inplanes: number, planes: number, o: BlockOptions) {
    super();
    this.conv1 = this.registerModule('conv1', conv3x3(inplanes, planes, o.stride, o.dilation));
    this.bn1 = this.registerModule('bn1', new nn.BatchNorm2d(planes));
    this.conv2 = this.registerModule('conv2', conv3x3(planes, planes, 1, o.dilation));
    this.bn2 = this.registerModule('bn2', new nn.BatchNorm2d(planes));
    const needs = o.stride !== 1 || inplanes !== planes;
    this.downsample = needs ? this.registerModule('downsample', downsample(inplanes, planes, o.dilation > 1 ? 1 : o.stride)) : null;
  }

  forward(x: Tensor): Tensor {
    return torch.scope(() => {
      const identity = this.downsample ? this.downsample.forward(x) : x;
      let out = this.bn1.forward(this.conv1.forward(x)).relu();
      out = this.bn2.forward(this.conv2.forward(out));
      return out.add(identity).relu();
    });
  }
}

/** 1×1 reduce, 3×3 (strided, grouped), 1×1 expand ×4, with a residual (ResNet-50/101/152, ResNet v1.5). */
export class Bottleneck extends nn.Module {
  static readonly expansion = 4;
  readonly conv1: torch.nn.Conv2d;
  readonly bn1: torch.nn.BatchNorm2d;
  readonly conv2: torch.nn.Conv2d;
  readonly bn2: torch.nn.BatchNorm2d;
  readonly conv3: torch.nn.Conv2d;
  readonly bn3: torch.nn.BatchNorm2d;
  readonly downsample: torch.nn.Sequential | null;

  constructor(inplanes: number, planes: number, o: BlockOptions) {
    super();
    const width = Math.floor(planes * (o.widthPerGroup / 64)) * o.groups;
    const outplanes = planes * Bottleneck.expansion;
    this.conv1 = this.registerModule('conv1', new nn.Conv2d(inplanes, width, 1, { bias: false }));
    this.bn1 = this.registerModule('bn1', new nn.BatchNorm2d(width));
    this.conv2 = this.registerModule('conv2', conv3x3(width, width, o.stride, o.dilation, o.groups));
    this.bn2 = this.registerModule('bn2', new nn.BatchNorm2d(width));
    this.conv3 = this.registerModule('conv3', new nn.Conv2d(width, outplanes, 1, { bias: false }));
    this.bn3 = this.registerModule('bn3', new nn.BatchNorm2d(outplanes));
    const needs = o.stride !== 1 || inplanes !== outplanes;
    this.downsample = needs ? this.registerModule('downsample', downsample(inplanes, outplanes, o.dilation > 1 ? 1 : o.stride)) : null;
  }

  forward(x: Tensor): Tensor {
    return torch.scope(() => {
      const identity = this.downsample ? this.downsample.forward(x) : x;
      let out = this.bn1.forward(this.conv1.forward(x)).relu();
      out = this.bn2.forward(this.conv2.forward(out)).relu();
      out = this.bn3.forward(this.conv3.forward(out));
      return out.add(identity).relu();
    });
  }
}

export interface ResNetEncoderOptions {
  /** Stages run (3 to 5); the features are the input and one map per stage. Default 5. */
  depth?: number;
  /** 32 (plain), 16 (layer4 dilated by 2) or 8 (layer3 by 2, layer4 by 4), as smp's make_dilated. */
  outputStride?: 8 | 16 | 32;
  inChannels?: number;
}

/**
 * torchvision's ResNet without `fc` and `avgpool`, as smp's ResNetEncoder. `forward` returns
 * [input, stem (1/2), layer1 (1/4), layer2 (1/8), layer3 (1/16), layer4 (1/32)], the first
 * depth + 1 of them; `outChannels` gives their channels (resnet50: 3, 64, 256, 512, 1024, 2048).
 *
 * @example
 * const encoder = new ResNetEncoder(resnetParams('resnet50'));
 * const features = encoder.forward(torch.randn([1, 3, 256, 256])); // 6 maps, the last [1, 2048, 8, 8]
 */
export class ResNetEncoder extends nn.Module {
  readonly conv1: torch.nn.Conv2d;
  readonly bn1: torch.nn.BatchNorm2d;
  readonly layer1: torch.nn.Sequential;
  readonly layer2: torch.nn.Sequential;
  readonly layer3: torch.nn.Sequential;
  readonly layer4: torch.nn.Sequential;
  readonly depth: number;
  readonly outputStride: number;
  readonly outChannels: number[];

  constructor(readonly params: ResNetParams, o: ResNetEncoderOptions = {}) {
    super();
    this.depth = o.depth ?? 5;
    const stride = o.outputStride ?? 32;
    if (![8, 16, 32].includes(stride)) throw new RangeError(`ResNetEncoder: output stride should be 32, 16 or 8, got ${stride}`);
    // EncoderMixin.output_stride: min(_output_stride, 2 ** depth).
    this.outputStride = Math.min(stride, 2 ** this.depth);
    const { block, layers, width, groups, width_per_group: widthPerGroup } = params;
    const Block = block === 'basic' ? BasicBlock : Bottleneck;
    const expansion = Block.expansion;
    const dilations = stride === 8 ? [1, 1, 2, 4] : stride === 16 ? [1, 1, 1, 2] : [1, 1, 1, 1];

    let inplanes = width;
    const makeLayer = (index: number): torch.nn.Sequential => {
      const planes = width * 2 ** index;
      const blocks: torch.nn.Module[] = [];
      for (let i = 0; i < layers[index]; i++) {
        const blockStride = i === 0 && index > 0 ? 2 : 1;
        blocks.push(new Block(inplanes, planes, { stride: blockStride, dilation: dilations[index], groups, widthPerGroup }));
        inplanes = planes * expansion;
      }
      return new nn.Sequential(...(blocks as (BasicBlock | Bottleneck)[]));
    };
    this.conv1 = this.registerModule('conv1', new nn.Conv2d(o.inChannels ?? 3, width, 7, { stride: 2, padding: 3, bias: false }));
    this.bn1 = this.registerModule('bn1', new nn.BatchNorm2d(width));
    this.layer1 = this.registerModule('layer1', makeLayer(0));
    this.layer2 = this.registerModule('layer2', makeLayer(1));
    this.layer3 = this.registerModule('layer3', makeLayer(2));
    this.layer4 = this.registerModule('layer4', makeLayer(3));
    this.outChannels = [o.inChannels ?? 3, width, width * expansion, width * 2 * expansion, width * 4 * expansion, width * 8 * expansion].slice(0, this.depth + 1);
    this.resetParameters();
  }

  /** torchvision's initialisation: He normal (fan_out) convolutions, BatchNorm 1 and 0. */
  resetParameters(): void {
    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) nn.init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
      else if (m instanceof nn.BatchNorm2d) m.resetParameters();
    }
  }

  /** The input and the feature map of each stage, by decreasing resolution (see the class). */
  forward(x: Tensor): Tensor[] {
    const stages: ((t: Tensor) => Tensor)[] = [
      (t) => torch.scope(() => this.bn1.forward(this.conv1.forward(t)).relu()), // [B, w, H/2, W/2]
      (t) => torch.scope(() => this.layer1.forward(F.maxPool2d(t, 3, { stride: 2, padding: 1 }))), // [B, w·e, H/4, W/4]
      (t) => this.layer2.forward(t), // [B, 2w·e, H/8, W/8]
      (t) => this.layer3.forward(t), // [B, 4w·e, H/16, W/16] (H/8 at output stride 8)
      (t) => this.layer4.forward(t), // [B, 8w·e, H/32, W/32] (H/16 or H/8 when dilated)
    ];
    const features = [x];
    for (let i = 0; i < this.depth; i++) features.push(stages[i](features[i]));
    return features;
  }
}

/**
 * The encoder a configuration asks for: `encoder_params` when given, else `encoder_name`; dilated to
 * `encoder_output_stride` for DeepLabV3+ (smp's get_encoder(..., output_stride)).
 */
export function encoderFromConfig(config: CnnConfig): ResNetEncoder {
  const params = config.encoder_params ?? resnetParams(config.encoder_name);
  const outputStride = config.arch === 'deeplabv3plus' ? config.encoder_output_stride : 32;
  return new ResNetEncoder(params, { depth: config.encoder_depth, outputStride, inChannels: config.in_channels });
}
