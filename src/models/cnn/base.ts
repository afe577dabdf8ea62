// What the three smp architectures share: the conv-BN-ReLU unit, the segmentation head, the
// initialisation, and the encoder → decoder → head model with its input-size check.
// Reference: segmentation_models_pytorch 0.3.3 (qubvel-org/segmentation_models.pytorch@e5d3db2),
// base/modules.py (Conv2dReLU), base/heads.py (SegmentationHead), base/initialization.py,
// base/model.py (SegmentationModel.forward, check_input_shape).
import * as torch from '../../torch/index.js';
import type { ResNetEncoder } from './resnet.js';

const { nn } = torch;
type Tensor = torch.Tensor;

/**
 * Conv → BatchNorm → ReLU as a Sequential (keys `0.weight`, `1.*`). Without batch norm the
 * convolution has a bias and index 1 is an Identity, as smp's `use_batchnorm=False`.
 */
export class Conv2dReLU extends nn.Sequential {
  constructor(inChannels: number, outChannels: number, kernelSize: number, o: { padding?: number; stride?: number; useBatchnorm?: boolean } = {}) {
    const useBatchnorm = o.useBatchnorm ?? true;
    super(
      new nn.Conv2d(inChannels, outChannels, kernelSize, { padding: o.padding ?? 0, stride: o.stride ?? 1, bias: !useBatchnorm }),
      useBatchnorm ? new nn.BatchNorm2d(outChannels) : new nn.Identity(),
      new nn.ReLU(),
    );
  }
}

/**
 * The last convolution to `classes` logits (padding k // 2), then bilinear upsampling with
 * align_corners (smp's nn.UpsamplingBilinear2d) when `upsampling` > 1. Keys `0.weight`, `0.bias`.
 */
export class SegmentationHead extends nn.Sequential {
  constructor(inChannels: number, outChannels: number, o: { kernelSize?: number; upsampling?: number } = {}) {
    const kernelSize = o.kernelSize ?? 3;
    const upsampling = o.upsampling ?? 1;
    super(
      new nn.Conv2d(inChannels, outChannels, kernelSize, { padding: Math.floor(kernelSize / 2) }),
      upsampling > 1 ? new nn.Upsample({ scaleFactor: upsampling, mode: 'bilinear', alignCorners: true }) : new nn.Identity(),
      new nn.Identity(), // smp's Activation(None): the model returns logits
    );
  }
}

/** smp's initialize_decoder: He uniform (fan_in, ReLU) convolutions with zero bias, BatchNorm 1 and 0. */
export function initializeDecoder(module: torch.nn.Module): void {
  for (const m of module.modules()) {
    if (m instanceof nn.Conv2d) {
      nn.init.kaimingUniform_(m.weight, { mode: 'fan_in', nonlinearity: 'relu' });
      if (m.bias) nn.init.zeros_(m.bias);
    } else if (m instanceof nn.BatchNorm2d) {
      if (m.weight) nn.init.ones_(m.weight);
      if (m.bias) nn.init.zeros_(m.bias);
    }
  }
}

/** smp's initialize_head: Xavier uniform weights, zero bias. */
export function initializeHead(module: torch.nn.Module): void {
  for (const m of module.modules()) {
    if (m instanceof nn.Conv2d) {
      nn.init.xavierUniform_(m.weight);
      if (m.bias) nn.init.zeros_(m.bias);
    }
  }
}

/** A decoder maps the encoder's features (input first, deepest last) to one feature map. */
export interface Decoder extends torch.nn.Module {
  forward(features: readonly Tensor[]): Tensor;
}

/**
 * encoder → decoder → segmentation head, with smp's state-dict layout (`encoder.*`, `decoder.*`,
 * `segmentation_head.*`). `forward` takes [B, in_channels, H, W] with H and W divisible by the
 * encoder's output stride and returns logits [B, classes, H, W].
 */
export abstract class SmpSegmentationModel<D extends Decoder = Decoder> extends nn.Module {
  readonly encoder: ResNetEncoder;
  readonly decoder: D;
  readonly segmentationHead: SegmentationHead;

  constructor(encoder: ResNetEncoder, decoder: D, head: SegmentationHead) {
    super();
    this.encoder = this.registerModule('encoder', encoder);
    this.decoder = this.registerModule('decoder', decoder);
    this.segmentationHead = this.registerModule('segmentation_head', head);
    initializeDecoder(decoder);
    initializeHead(head);
  }

  /** smp's check_input_shape, with its advice. */
  checkInputShape(x: Tensor): void {
    const [h, w] = x.shape.slice(-2);
    const stride = this.encoder.outputStride;
    if (h % stride !== 0 || w % stride !== 0) {
      const up = (n: number): number => (n % stride === 0 ? n : (Math.floor(n / stride) + 1) * stride);
      throw new RangeError(
        `${this.className}: wrong input shape height=${h}, width=${w}. Expected image height and width divisible by ${stride}. ` +
          `Consider pad your images to shape (${up(h)}, ${up(w)}).`,
      );
    }
  }

  /** pixelValues [B, C, H, W] → logits [B, classes, H, W]. */
  forward(pixelValues: Tensor): Tensor {
    this.checkInputShape(pixelValues);
    return torch.scope(() => {
      const features = this.encoder.forward(pixelValues);
      const decoded = this.decoder.forward(features);
      return this.segmentationHead.forward(decoded);
    });
  }
}
