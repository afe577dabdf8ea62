// CLIP's ModifiedResNet image tower (RN50, RN101, …) with OpenAI's key names, as CRIS modifies it:
// the attention pool keeps every spatial token and returns a feature map with a convolutional
// residual branch, and the tower returns three feature levels (layer2, layer3, attention pool).
// Reference: DerrickWang005/CRIS.pytorch model/clip.py at e596332 (Bottleneck, AttentionPool2d,
// ModifiedResNet), over openai/CLIP clip/model.py; checked through fixtures/cris-tiny.
// Each block's forward runs in its own torch.scope.
import * as torch from '../../torch/index.js';

const { nn, F } = torch;
type Tensor = torch.Tensor;

/** `next`, after freeing `previous` (which `next` was computed from): one activation alive, not two. */
function replaced(previous: Tensor, next: Tensor): Tensor {
  previous.dispose();
  return next;
}

/** Sizes of a ModifiedResNet; the defaults in `clipRN50Visual` are OpenAI's RN50. */
export interface ModifiedResNetOptions {
  /** Bottleneck blocks per stage: RN50 [3, 4, 6, 3], RN101 [3, 4, 23, 3]. */
  layers: readonly [number, number, number, number];
  /** Stem width; stage planes are 1, 2, 4, 8 times it, stage outputs 4 times those. */
  width: number;
  /** Attention-pool output channels (CLIP's embed_dim). */
  outputDim: number;
  /** Attention-pool heads (OpenAI: width · 32 / 64). */
  heads: number;
  /** Pretraining resolution: the attention-pool position grid has side inputResolution / 32. */
  inputResolution: number;
  /** BatchNorm epsilon (PyTorch's default 1e-5). */
  batchNormEps?: number;
}

/** OpenAI RN50's sizes (CLIP embed_dim 1024). */
export const clipRN50Visual: ModifiedResNetOptions = { layers: [3, 4, 6, 3], width: 64, outputDim: 1024, heads: 32, inputResolution: 224 };

/**
 * The anti-aliased shortcut of a bottleneck: 2×2 average pooling (for stride 2), then a 1×1
 * convolution and BatchNorm. The reference names its children "-1" (the pooling, no state), "0"
 * and "1"; only "0" and "1" carry checkpoint keys.
 */
export class Downsample extends nn.Module {
  readonly conv: torch.nn.Conv2d;
  readonly bn: torch.nn.BatchNorm2d;

  constructor(inplanes: number, outplanes: number, readonly stride: number, eps: number) {
    super();
    this.conv = this.registerModule('0', new nn.Conv2d(inplanes, outplanes, 1, { bias: false }));
    this.bn = this.registerModule('1', new nn.BatchNorm2d(outplanes, { eps }));
  }

  forward(x: Tensor): Tensor {
    return torch.scope(() => {
      const pooled = this.stride > 1 ? F.avgPool2d(x, this.stride) : x;
      return this.bn.forward(this.conv.forward(pooled));
    });
  }
}

/**
 * ResNet bottleneck whose convolutions all have stride 1; a strided block average-pools after the
 * second convolution instead, and its shortcut is a Downsample. Expansion 4.
 */
export class Bottleneck extends nn.Module {
  static readonly expansion = 4;
  readonly conv1: torch.nn.Conv2d;
  readonly bn1: torch.nn.BatchNorm2d;
  readonly conv2: torch.nn.Conv2d;
  readonly bn2: torch.nn.BatchNorm2d;
  readonly conv3: torch.nn.Conv2d;
  readonly bn3: torch.nn.BatchNorm2d;
  readonly downsample: Downsample | null;

  constructor(inplanes: number, planes: number, readonly stride: number, eps: number) {
    super();
    const out = planes * Bottleneck.expansion;
    this.conv1 = this.registerModule('conv1', new nn.Conv2d(inplanes, planes, 1, { bias: false }));
    this.bn1 = this.registerModule('bn1', new nn.BatchNorm2d(planes, { eps }));
    this.conv2 = this.registerModule('conv2', new nn.Conv2d(planes, planes, 3, { padding: 1, bias: false }));
    this.bn2 = this.registerModule('bn2', new nn.BatchNorm2d(planes, { eps }));
    this.conv3 = this.registerModule('conv3', new nn.Conv2d(planes, out, 1, { bias: false }));
    this.bn3 = this.registerModule('bn3', new nn.BatchNorm2d(out, { eps }));
    // The shortcut exists whenever the shape changes: in layer1 only the channels do (pool of 1).
    this.downsample = stride > 1 || inplanes !== out ? this.registerModule('downsample', new Downsample(inplanes, out, stride, eps)) : null;
  }

  forward(x: Tensor): Tensor {
    // Each step's intermediates are freed once the next step has used them, and the residual sum
    // and the ReLUs write in place (BatchNorm's backward needs its input, not its output): in the
    // first stage at batch 8 every full-width activation is 88 MB.
    return torch.scope(() => {
      const reduced = torch.scope(() => this.bn1.forward(this.conv1.forward(x)).relu_());
      let out = torch.scope(() => this.bn2.forward(this.conv2.forward(reduced)).relu_());
      reduced.dispose();
      if (this.stride > 1) out = replaced(out, F.avgPool2d(out, this.stride));
      const expanded = torch.scope(() => this.bn3.forward(this.conv3.forward(out)));
      out.dispose();
      const identity = this.downsample ? this.downsample.forward(x) : x;
      return expanded.add_(identity).relu_();
    });
  }
}

/**
 * Multi-head self-attention over [L, N, E] tokens with separate q, k, v projections (biases
 * included), as F.multi_head_attention_forward with use_separate_proj_weight: q is scaled by
 * 1/√headDim after its projection, then the output projection.
 */
function separateProjectionAttention(x: Tensor, q: torch.nn.Linear, k: torch.nn.Linear, v: torch.nn.Linear, out: torch.nn.Linear, heads: number): Tensor {
  return torch.scope(() => {
    const [length, batch, width] = x.shape;
    const headDim = width / heads;
    // [L, N, E] → [N·heads, L, headDim]
    const split = (t: Tensor): Tensor => t.contiguous().view([length, batch * heads, headDim]).transpose(0, 1);
    const query = split(q.forward(x)).div(Math.sqrt(headDim));
    const key = split(k.forward(x));
    const value = split(v.forward(x));
    const weights = query.matmul(key.transpose(-2, -1)).softmax(-1); // [N·heads, L, L]
    const merged = weights.matmul(value).transpose(0, 1).contiguous().view([length, batch, width]); // [L, N, E]
    return out.forward(merged);
  });
}

/**
 * CRIS's attention pool: no mean token; every position attends to every position, with the
 * position grid (first row dropped) resized bicubically to the feature map; the result is a map
 * [B, outputDim, H, W], plus a 1×1 convolution + BatchNorm residual (`connect`) of the raw input,
 * then ReLU.
 */
export class AttentionPool2d extends nn.Module {
  readonly positionalEmbedding: torch.nn.Parameter;
  readonly kProj: torch.nn.Linear;
  readonly qProj: torch.nn.Linear;
  readonly vProj: torch.nn.Linear;
  readonly cProj: torch.nn.Linear;
  readonly connect: torch.nn.Sequential;

  constructor(readonly spacialDim: number, embedDim: number, readonly numHeads: number, outputDim: number, eps: number) {
    super();
    if (embedDim % numHeads !== 0) throw new RangeError(`AttentionPool2d: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    // "spacial" is the reference's spelling.
    this.positionalEmbedding = this.registerParameter('positional_embedding', torch.scope(() => torch.randn([spacialDim ** 2 + 1, embedDim]).div(Math.sqrt(embedDim))));
    this.kProj = this.registerModule('k_proj', new nn.Linear(embedDim, embedDim));
    this.qProj = this.registerModule('q_proj', new nn.Linear(embedDim, embedDim));
    this.vProj = this.registerModule('v_proj', new nn.Linear(embedDim, embedDim));
    this.cProj = this.registerModule('c_proj', new nn.Linear(embedDim, outputDim));
    this.connect = this.registerModule('connect', new nn.Sequential(
      new nn.Conv2d(embedDim, outputDim, 1, { bias: false }),
      new nn.BatchNorm2d(outputDim, { eps }),
    ));
  }

  /**
   * The position grid for an H × W map: [1, embedDim, H·W] (row-major positions). Rows 1… of the
   * table, read row-major as a side × side grid, resized bicubically (align_corners false) even
   * when the sizes already agree, as resize_pos_embed does.
   */
  positionGrid(height: number, width: number): Tensor {
    return torch.scope(() => {
      const side = this.spacialDim;
      const table = this.positionalEmbedding; // [1 + side², C]
      const channels = table.size(1);
      const grid = table.slice(0, 1).reshape([1, side, side, channels]).permute([0, 3, 1, 2]); // [1, C, side, side]
      const resized = F.interpolate(grid, { size: [height, width], mode: 'bicubic', alignCorners: false }); // [1, C, H, W]
      return resized.flatten(2); // [1, C, H·W]
    });
  }

  /** x [B, embedDim, H, W] → [B, outputDim, H, W]. */
  forward(x: Tensor): Tensor {
    return torch.scope(() => {
      const [batch, channels, height, width] = x.shape;
      const residual = this.connect.forward(x);
      const tokens = x.reshape([batch, channels, height * width]).add(this.positionGrid(height, width)); // [B, C, HW]
      const sequence = tokens.permute([2, 0, 1]); // [HW, B, C]
      const attended = separateProjectionAttention(sequence, this.qProj, this.kProj, this.vProj, this.cProj, this.numHeads); // [HW, B, out]
      const map = attended.permute([1, 2, 0]).reshape([batch, -1, height, width]); // [B, out, H, W]
      return map.add(residual).relu();
    });
  }
}

/** What the tower computes, for callers that need more than the three returned levels. */
export interface ModifiedResNetStages {
  /** layer2 output [B, 8·width, H/8, W/8] (CRIS's C3 / v3). */
  layer2: Tensor;
  /** layer3 output [B, 16·width, H/16, W/16] (C4 / v4). */
  layer3: Tensor;
  /** layer4 output [B, 32·width, H/32, W/32], the attention pool's input. */
  layer4: Tensor;
  /** Attention-pool map [B, outputDim, H/32, W/32] (C5 / v5). */
  attnpool: Tensor;
}

/**
 * ResNet with a three-convolution stem and average pooling, anti-aliased bottlenecks, and CRIS's
 * map-valued attention pool. `forward` returns [layer2, layer3, attnpool].
 */
export class ModifiedResNet extends nn.Module {
  readonly conv1: torch.nn.Conv2d;
  readonly bn1: torch.nn.BatchNorm2d;
  readonly conv2: torch.nn.Conv2d;
  readonly bn2: torch.nn.BatchNorm2d;
  readonly conv3: torch.nn.Conv2d;
  readonly bn3: torch.nn.BatchNorm2d;
  readonly layer1: torch.nn.Sequential;
  readonly layer2: torch.nn.Sequential;
  readonly layer3: torch.nn.Sequential;
  readonly layer4: torch.nn.Sequential;
  readonly attnpool: AttentionPool2d;

  constructor(readonly options: ModifiedResNetOptions) {
    super();
    const { layers, width, outputDim, heads, inputResolution } = options;
    const eps = options.batchNormEps ?? 1e-5;
    this.conv1 = this.registerModule('conv1', new nn.Conv2d(3, width / 2, 3, { stride: 2, padding: 1, bias: false }));
    this.bn1 = this.registerModule('bn1', new nn.BatchNorm2d(width / 2, { eps }));
    this.conv2 = this.registerModule('conv2', new nn.Conv2d(width / 2, width / 2, 3, { padding: 1, bias: false }));
    this.bn2 = this.registerModule('bn2', new nn.BatchNorm2d(width / 2, { eps }));
    this.conv3 = this.registerModule('conv3', new nn.Conv2d(width / 2, width, 3, { padding: 1, bias: false }));
    this.bn3 = this.registerModule('bn3', new nn.BatchNorm2d(width, { eps }));
    let inplanes = width;
    const stage = (planes: number, blocks: number, stride: number): torch.nn.Sequential => {
      const list = [new Bottleneck(inplanes, planes, stride, eps)];
      inplanes = planes * Bottleneck.expansion;
      for (let i = 1; i < blocks; i++) list.push(new Bottleneck(inplanes, planes, 1, eps));
      return new nn.Sequential(...list);
    };
    this.layer1 = this.registerModule('layer1', stage(width, layers[0], 1));
    this.layer2 = this.registerModule('layer2', stage(width * 2, layers[1], 2));
    this.layer3 = this.registerModule('layer3', stage(width * 4, layers[2], 2));
    this.layer4 = this.registerModule('layer4', stage(width * 8, layers[3], 2));
    this.attnpool = this.registerModule('attnpool', new AttentionPool2d(Math.floor(inputResolution / 32), width * 32, heads, outputDim, eps));
  }

  /** Three 3×3 convolutions (the first strided), each with BatchNorm and ReLU, then 2×2 pooling. */
  stem(x: Tensor): Tensor {
    return torch.scope(() => {
      let out = torch.scope(() => this.bn1.forward(this.conv1.forward(x)).relu_());
      out = replaced(out, torch.scope(() => this.bn2.forward(this.conv2.forward(out)).relu_()));
      out = replaced(out, torch.scope(() => this.bn3.forward(this.conv3.forward(out)).relu_()));
      return F.avgPool2d(out, 2);
    });
  }

  /** Every stage the CRIS neck or a debugger needs; layer1 is freed as soon as it is used. */
  stages(pixelValues: Tensor): ModifiedResNetStages {
    return torch.scope(() => {
      const [, , height, width] = pixelValues.shape;
      if (height % 32 !== 0 || width % 32 !== 0) {
        throw new RangeError(`ModifiedResNet: input ${height}×${width} is not a multiple of 32 (the tower's stride); resize or pad the image to a multiple of 32`);
      }
      const x = this.layer1.forward(this.stem(pixelValues));
      const layer2 = this.layer2.forward(x);
      const layer3 = this.layer3.forward(layer2);
      const layer4 = this.layer4.forward(layer3);
      const attnpool = this.attnpool.forward(layer4);
      return { layer2, layer3, layer4, attnpool };
    });
  }

  /** pixelValues [B, 3, H, W] → [layer2, layer3, attnpool], strides 8, 16, 32. */
  forward(pixelValues: Tensor): [Tensor, Tensor, Tensor] {
    return torch.scope(() => {
      const { layer2, layer3, attnpool } = this.stages(pixelValues);
      return [layer2, layer3, attnpool];
    });
  }
}
