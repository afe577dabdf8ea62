// CRIS: CLIP-Driven Referring Image Segmentation (Wang et al., CVPR 2022), with the key names of
// CRIS's released checkpoints (`backbone.*`, `neck.*`, `decoder.*`, `proj.*`).
// Reference: DerrickWang005/CRIS.pytorch at e596332f8f5929a907ad66d2889e434d18f5eee7,
// model/layers.py (conv_layer, linear_layer, CoordConv, Projector, TransformerDecoder(Layer), FPN)
// and model/segmenter.py (CRIS); checked through fixtures/cris-tiny within 1e-5.
// The backbone (CLIP RN50 in OpenAI's layout) is imported from models/clip.
import * as torch from '../../torch/index.js';
import { CLIPResNet, type TextEncoding } from '../clip/openai-clip-resnet.js';
import { attnpoolHeads, textHeads, type CRISConfig } from './config.js';

const { nn, F } = torch;
type Tensor = torch.Tensor;

// ---- building blocks ----------------------------------------------------------------------------

/** conv_layer: convolution without bias, BatchNorm, ReLU (keys `0.*`, `1.*`). */
function convLayer(inDim: number, outDim: number, kernelSize: number, padding: number, eps: number): torch.nn.Sequential {
  return new nn.Sequential(new nn.Conv2d(inDim, outDim, kernelSize, { padding, bias: false }), new nn.BatchNorm2d(outDim, { eps }), new nn.ReLU({ inplace: true }));
}

/** linear_layer: linear without bias, BatchNorm1d, ReLU. */
function linearLayer(inDim: number, outDim: number, eps: number): torch.nn.Sequential {
  return new nn.Sequential(new nn.Linear(inDim, outDim, { bias: false }), new nn.BatchNorm1d(outDim, { eps }), new nn.ReLU({ inplace: true }));
}

/** Upsampling ×2, bilinear, align_corners false (nn.Upsample(scale_factor=2, mode='bilinear')). */
const upsample2 = (x: Tensor): Tensor => F.interpolate(x, { scaleFactor: 2, mode: 'bilinear', alignCorners: false });

/**
 * Appends two coordinate channels after the features, x first (linspace(-1, 1, W) along the
 * width) then y (linspace(-1, 1, H) along the height), and applies a 3×3 conv_layer.
 */
export class CoordConv extends nn.Module {
  readonly conv1: torch.nn.Sequential;

  constructor(inChannels: number, outChannels: number, eps: number) {
    super();
    this.conv1 = this.registerModule('conv1', convLayer(inChannels + 2, outChannels, 3, 1, eps));
  }

  /** x [B, C, H, W] → [B, C + 2, H, W]. */
  addCoord(x: Tensor): Tensor {
    return torch.scope(() => {
      const [batch, , height, width] = x.shape;
      const options = { dtype: x.dtype, device: x.device };
      const xs = torch.linspace(-1, 1, width, options).view([1, 1, 1, width]).expand([batch, 1, height, width]);
      const ys = torch.linspace(-1, 1, height, options).view([1, 1, height, 1]).expand([batch, 1, height, width]);
      return torch.cat([x, xs, ys], 1);
    });
  }

  forward(x: Tensor): Tensor {
    return torch.scope(() => this.conv1.forward(this.addCoord(x)));
  }
}

// ---- neck ---------------------------------------------------------------------------------------

/**
 * The text-conditioned feature pyramid: fuses v5 with the sentence state (multiplicatively), then
 * v4 and v3 top-down, aggregates three 3×3 projections at stride 16, and appends coordinates.
 */
export class FPN extends nn.Module {
  readonly txtProj: torch.nn.Sequential;
  readonly f1VProj: torch.nn.Sequential;
  readonly normLayer: torch.nn.Sequential;
  readonly f2VProj: torch.nn.Sequential;
  readonly f2Cat: torch.nn.Sequential;
  readonly f3VProj: torch.nn.Sequential;
  readonly f3Cat: torch.nn.Sequential;
  readonly f4Proj5: torch.nn.Sequential;
  readonly f4Proj4: torch.nn.Sequential;
  readonly f4Proj3: torch.nn.Sequential;
  readonly aggr: torch.nn.Sequential;
  readonly coordconv: torch.nn.Sequential;

  constructor(inChannels: readonly [number, number, number], outChannels: readonly [number, number, number], eps: number) {
    super();
    const [in3, in4, in5] = inChannels;
    const [out3, out4, out5] = outChannels;
    this.txtProj = this.registerModule('txt_proj', linearLayer(in5, out5, eps));
    this.f1VProj = this.registerModule('f1_v_proj', convLayer(in5, out5, 1, 0, eps));
    this.normLayer = this.registerModule('norm_layer', new nn.Sequential(new nn.BatchNorm2d(out5, { eps }), new nn.ReLU()));
    this.f2VProj = this.registerModule('f2_v_proj', convLayer(in4, out4, 3, 1, eps));
    this.f2Cat = this.registerModule('f2_cat', convLayer(out5 + out4, out4, 1, 0, eps));
    this.f3VProj = this.registerModule('f3_v_proj', convLayer(in3, out3, 3, 1, eps));
    this.f3Cat = this.registerModule('f3_cat', convLayer(out3 + out4, out4, 1, 0, eps));
    this.f4Proj5 = this.registerModule('f4_proj5', convLayer(out5, out4, 3, 1, eps));
    this.f4Proj4 = this.registerModule('f4_proj4', convLayer(out4, out4, 3, 1, eps));
    this.f4Proj3 = this.registerModule('f4_proj3', convLayer(out4, out4, 3, 1, eps));
    this.aggr = this.registerModule('aggr', convLayer(3 * out4, out4, 1, 0, eps));
    this.coordconv = this.registerModule('coordconv', new nn.Sequential(new CoordConv(out4, out4, eps), convLayer(out4, out4, 3, 1, eps)));
  }

  /** [v3, v4, v5] (strides 8, 16, 32) and the sentence state [B, word_dim] → fq [B, d, H/16, W/16]. */
  forward(visual: readonly [Tensor, Tensor, Tensor], state: Tensor): Tensor {
    return torch.scope(() => {
      const [v3, v4, v5] = visual;
      // fusion 1: v5 times the projected sentence state, per channel
      const sentence = this.txtProj.forward(state).unsqueeze(-1).unsqueeze(-1); // [B, out5, 1, 1]
      const f5 = this.normLayer.forward(this.f1VProj.forward(v5).mul(sentence)); // [B, out5, H/32, W/32]
      // fusion 2: v4 with the upsampled f5
      const f4 = this.f2Cat.forward(torch.cat([this.f2VProj.forward(v4), upsample2(f5)], 1)); // [B, out4, H/16, W/16]
      // fusion 3: v3, pooled to stride 16, with f4
      const f3 = this.f3Cat.forward(torch.cat([F.avgPool2d(this.f3VProj.forward(v3), 2, { stride: 2 }), f4], 1)); // [B, out4, H/16, W/16]
      // fusion 4: the three levels at stride 16 (fq5 upsampled after its convolution)
      const fq5 = upsample2(this.f4Proj5.forward(f5));
      const fq4 = this.f4Proj4.forward(f4);
      const fq3 = this.f4Proj3.forward(f3);
      const fq = this.aggr.forward(torch.cat([fq3, fq4, fq5], 1)); // [B, out4, H/16, W/16]
      return this.coordconv.forward(fq);
    });
  }
}

// ---- decoder ------------------------------------------------------------------------------------

/**
 * The 1-D sine/cosine encoding [L, 1, d]: channel 2i is sin(p · 10000^(-2i/d)), 2i+1 its cosine.
 * Computed with float32 tensor ops in the reference's order, so it matches bit for bit.
 */
export function pos1d(dModel: number, length: number, o: { device?: torch.Device } = {}): Tensor {
  if (dModel % 2 !== 0) throw new RangeError(`CRIS pos1d: cannot use sin/cos positional encoding with odd dim (got dim=${dModel})`);
  return torch.scope(() => {
    const divTerm = torch.arange(0, dModel, 2, { dtype: 'float32', device: o.device }).mul(-(Math.log(10000) / dModel)).exp(); // [d/2]
    const angles = torch.arange(0, length, 1, { dtype: 'float32', device: o.device }).unsqueeze(1).mul(divTerm); // [L, d/2]
    return torch.stack([angles.sin(), angles.cos()], 2).reshape([length, 1, dModel]); // interleaved: [L, 1, d]
  });
}

/**
 * The 2-D encoding [H·W, 1, d] (row-major positions): the first d/2 channels encode the column,
 * the last d/2 the row, each as pos1d with d/2 channels.
 */
export function pos2d(dModel: number, height: number, width: number, o: { device?: torch.Device } = {}): Tensor {
  if (dModel % 4 !== 0) throw new RangeError(`CRIS pos2d: cannot use sin/cos positional encoding with a dimension that is not a multiple of 4 (got dim=${dModel})`);
  return torch.scope(() => {
    const half = dModel / 2;
    const divTerm = torch.arange(0, half, 2, { dtype: 'float32', device: o.device }).mul(-(Math.log(10000) / half)).exp(); // [d/4]
    const ladder = (n: number): Tensor => {
      const angles = torch.arange(0, n, 1, { dtype: 'float32', device: o.device }).unsqueeze(1).mul(divTerm); // [n, d/4]
      return torch.stack([angles.sin(), angles.cos()], 2).reshape([n, half]).transpose(0, 1); // [d/2, n]
    };
    const columns = ladder(width).unsqueeze(1).expand([half, height, width]); // [d/2, H, W]
    const rows = ladder(height).unsqueeze(2).expand([half, height, width]); // [d/2, H, W]
    const pe = torch.cat([columns, rows], 0); // [d, H, W]
    return pe.reshape([dModel, 1, height * width]).permute([2, 1, 0]).contiguous(); // [HW, 1, d]
  });
}

/**
 * Decoder layer: self-attention among the visual tokens, cross-attention to the words (with the
 * padding mask), FFN; each sub-block pre-normed, its output normed again, then added.
 */
export class TransformerDecoderLayer extends nn.Module {
  readonly selfAttnNorm: torch.nn.LayerNorm;
  readonly crossAttnNorm: torch.nn.LayerNorm;
  readonly selfAttn: torch.nn.MultiheadAttention;
  readonly multiheadAttn: torch.nn.MultiheadAttention;
  readonly ffn: torch.nn.Sequential;
  readonly norm1: torch.nn.LayerNorm;
  readonly norm2: torch.nn.LayerNorm;
  readonly norm3: torch.nn.LayerNorm;
  readonly dropout1: torch.nn.Dropout;
  readonly dropout2: torch.nn.Dropout;
  readonly dropout3: torch.nn.Dropout;

  constructor(dModel: number, nhead: number, dimFeedforward: number, dropout: number, eps: number) {
    super();
    this.selfAttnNorm = this.registerModule('self_attn_norm', new nn.LayerNorm(dModel, { eps }));
    this.crossAttnNorm = this.registerModule('cross_attn_norm', new nn.LayerNorm(dModel, { eps }));
    this.selfAttn = this.registerModule('self_attn', new nn.MultiheadAttention(dModel, nhead, { dropout }));
    this.multiheadAttn = this.registerModule('multihead_attn', new nn.MultiheadAttention(dModel, nhead, { dropout, kdim: dModel, vdim: dModel }));
    this.ffn = this.registerModule('ffn', new nn.Sequential(
      new nn.Linear(dModel, dimFeedforward),
      new nn.ReLU(),
      new nn.Dropout(dropout),
      new nn.LayerNorm(dimFeedforward, { eps }),
      new nn.Linear(dimFeedforward, dModel),
    ));
    this.norm1 = this.registerModule('norm1', new nn.LayerNorm(dModel, { eps }));
    this.norm2 = this.registerModule('norm2', new nn.LayerNorm(dModel, { eps }));
    this.norm3 = this.registerModule('norm3', new nn.LayerNorm(dModel, { eps }));
    this.dropout1 = this.registerModule('dropout1', new nn.Dropout(dropout));
    this.dropout2 = this.registerModule('dropout2', new nn.Dropout(dropout));
    this.dropout3 = this.registerModule('dropout3', new nn.Dropout(dropout));
  }

  /** vis [HW, B, d], txt [L, B, d], visPos [HW, 1, d], txtPos [L, 1, d], padMask [B, L] (true = ignore). */
  forward(vis: Tensor, txt: Tensor, visPos: Tensor, txtPos: Tensor, padMask: Tensor): Tensor {
    return torch.scope(() => {
      // self-attention: queries and keys carry the 2-D position, values do not
      let normed = this.norm1.forward(vis);
      const q = normed.add(visPos);
      let [attended] = this.selfAttn.forward(q, q, normed, { needWeights: false });
      let x = vis.add(this.dropout1.forward(this.selfAttnNorm.forward(attended)));
      // cross-attention: keys carry the 1-D position; words are neither normed nor encoded as values
      normed = this.norm2.forward(x);
      [attended] = this.multiheadAttn.forward(normed.add(visPos), txt.add(txtPos), txt, { keyPaddingMask: padMask, needWeights: false });
      x = x.add(this.dropout2.forward(this.crossAttnNorm.forward(attended)));
      // feed-forward
      return x.add(this.dropout3.forward(this.ffn.forward(this.norm3.forward(x))));
    });
  }
}

export class TransformerDecoder extends nn.Module {
  readonly layers: torch.nn.ModuleList<TransformerDecoderLayer>;
  readonly norm: torch.nn.LayerNorm;

  constructor(numLayers: number, dModel: number, nhead: number, dimFfn: number, dropout: number, eps: number) {
    super();
    this.layers = this.registerModule('layers', new nn.ModuleList(Array.from({ length: numLayers }, () => new TransformerDecoderLayer(dModel, nhead, dimFfn, dropout, eps))));
    this.norm = this.registerModule('norm', new nn.LayerNorm(dModel, { eps }));
  }

  /** vis [B, d, H, W], txt (word features) [B, L, d], padMask [B, L] → [B, d, H, W]. */
  forward(vis: Tensor, txt: Tensor, padMask: Tensor): Tensor {
    return torch.scope(() => {
      const [batch, channels, height, width] = vis.shape;
      const [, length, textWidth] = txt.shape;
      const visPos = pos2d(channels, height, width, { device: vis.device }).to(vis.dtype); // [HW, 1, d]
      const txtPos = pos1d(textWidth, length, { device: vis.device }).to(vis.dtype); // [L, 1, d]
      let x = vis.reshape([batch, channels, height * width]).permute([2, 0, 1]); // [HW, B, d]
      const words = txt.permute([1, 0, 2]); // [L, B, d]
      for (const layer of this.layers) x = layer.forward(x, words, visPos, txtPos, padMask);
      return this.norm.forward(x).permute([1, 2, 0]).reshape([batch, channels, height, width]); // [B, d, H, W]
    });
  }
}

// ---- projector ----------------------------------------------------------------------------------

/**
 * Upsamples the decoder map to stride 4 and correlates each sample's map with its own 3×3 kernel
 * and bias, read from a linear map of its sentence state (a grouped convolution over the batch).
 */
export class Projector extends nn.Module {
  readonly vis: torch.nn.Sequential;
  readonly txt: torch.nn.Linear;

  constructor(wordDim: number, readonly inDim: number, readonly kernelSize: number, eps: number) {
    super();
    this.vis = this.registerModule('vis', new nn.Sequential(
      new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: false }),
      convLayer(inDim * 2, inDim * 2, 3, 1, eps),
      new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: false }),
      convLayer(inDim * 2, inDim, 3, 1, eps),
      new nn.Conv2d(inDim, inDim, 1),
    ));
    this.txt = this.registerModule('txt', new nn.Linear(wordDim, inDim * kernelSize * kernelSize + 1));
  }

  /** x [B, 2·inDim, H, W], state [B, word_dim] → logits [B, 1, 4H, 4W]. */
  forward(x: Tensor, state: Tensor): Tensor {
    return torch.scope(() => {
      const map = this.vis.forward(x); // [B, C, 4H, 4W]
      const [batch, channels, height, width] = map.shape;
      const k = this.kernelSize;
      const dynamic = this.txt.forward(state); // [B, C·k·k + 1]
      const weight = dynamic.slice(1, 0, channels * k * k).reshape([batch, channels, k, k]); // [B, C, k, k], one kernel per sample
      const bias = dynamic.select(1, channels * k * k).contiguous(); // [B]
      const grouped = map.reshape([1, batch * channels, height, width]); // [1, B·C, 4H, 4W]
      const out = F.conv2d(grouped, weight, bias, { padding: Math.floor(k / 2), groups: batch }); // [1, B, 4H, 4W]
      return out.transpose(0, 1); // [B, 1, 4H, 4W]
    });
  }
}

// ---- the model ----------------------------------------------------------------------------------

/** Everything CRIS computes on the way to its logits, for parity checks and debugging. */
export interface CRISIntermediates {
  /** [v3, v4, v5] from the backbone. */
  visual: [Tensor, Tensor, Tensor];
  text: TextEncoding;
  /** true where input_ids == 0 [B, L]. */
  padMask: Tensor;
  /** FPN output [B, d, H/16, W/16]. */
  fq: Tensor;
  /** Decoder output [B, d, H/16, W/16]. */
  decoded: Tensor;
  /** Projector output [B, 1, H/4, W/4]. */
  logits: Tensor;
}

export class CRIS extends nn.Module {
  readonly backbone: CLIPResNet;
  readonly neck: FPN;
  readonly decoder: TransformerDecoder;
  readonly proj: Projector;

  constructor(readonly config: CRISConfig) {
    super();
    const { backbone: b, text: t, neck, decoder: d, projector: p, norm_eps: eps } = config;
    this.backbone = this.registerModule('backbone', new CLIPResNet(
      { layers: b.vision_layers, width: b.vision_width, outputDim: b.embed_dim, heads: attnpoolHeads(config), inputResolution: b.image_resolution, batchNormEps: eps.batchnorm },
      { vocabSize: t.vocab_size, contextLength: t.context_length, width: t.width, heads: textHeads(config), layers: t.layers, mlpDim: t.mlp_dim, embedDim: b.embed_dim, layerNormEps: eps.layernorm },
    ));
    this.neck = this.registerModule('neck', new FPN(neck.fpn_in, neck.fpn_out, eps.batchnorm));
    this.decoder = this.registerModule('decoder', new TransformerDecoder(d.num_layers, d.d_model, d.num_heads, d.dim_ffn, d.dropout, eps.layernorm));
    this.proj = this.registerModule('proj', new Projector(p.word_dim, p.in_dim, p.kernel_size, eps.batchnorm));
  }

  /** The backbone's three levels for [B, 3, H, W] pixels (what a frozen-feature cache stores). */
  visualFeatures(pixelValues: Tensor): [Tensor, Tensor, Tensor] {
    return this.backbone.encodeImage(pixelValues);
  }

  /** Every stage's output; `visual` may be given (precomputed), and one image serves many prompts. */
  intermediates(pixelValues: Tensor, inputIds: Tensor, o: { visual?: readonly [Tensor, Tensor, Tensor] } = {}): CRISIntermediates {
    return torch.scope(() => {
      if (inputIds.ndim !== 2) throw new RangeError(`CRIS: inputIds must be [batch, length], got [${inputIds.shape.join(', ')}]`);
      const padMask = inputIds.eq(0); // [B, L], true = padding (the reference's convention: pad id 0)
      let visual = o.visual ? ([...o.visual] as [Tensor, Tensor, Tensor]) : this.visualFeatures(pixelValues);
      const text = this.backbone.encodeText(inputIds);
      const images = visual[0].size(0);
      const prompts = inputIds.size(0);
      if (images !== prompts) {
        // One image, several prompts: its features are shared by every prompt.
        if (images !== 1) throw new RangeError(`CRIS: ${images} images but ${prompts} prompts; give one prompt per image, or one image`);
        visual = visual.map((v) => v.expand([prompts, -1, -1, -1])) as [Tensor, Tensor, Tensor];
      }
      const fq = this.neck.forward(visual, text.state);
      const decoded = this.decoder.forward(fq, text.word, padMask);
      const logits = this.proj.forward(decoded, text.state);
      return { visual, text, padMask, fq, decoded, logits };
    });
  }

  /** pixelValues [B or 1, 3, H, W] (normalised), inputIds [B, L] int64 → logits [B, 1, H/4, W/4]. */
  forward(pixelValues: Tensor, inputIds: Tensor, o: { visual?: readonly [Tensor, Tensor, Tensor] } = {}): Tensor {
    return torch.scope(() => this.intermediates(pixelValues, inputIds, o).logits);
  }
}

/**
 * Logits at stride 4 → logits at `size`, bicubic with align_corners true, before any sigmoid:
 * what medvlsm's CRIS wrapper does (naamiinepal/medvlsm src/models/cris_model/segmenter.py).
 */
export function upsampleLogits(logits: Tensor, size: readonly [number, number]): Tensor {
  return F.interpolate(logits, { size: [...size], mode: 'bicubic', alignCorners: true });
}
