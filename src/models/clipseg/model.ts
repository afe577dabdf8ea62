// CLIPSeg (Lüddecke & Ecker, CVPR 2022) with HuggingFace's CLIPSegForImageSegmentation key names.
// Reference: huggingface/transformers src/transformers/models/clipseg/modeling_clipseg.py, checked
// against timojl/clipseg models/clipseg.py (CLIPDensePredT) through fixtures/clipseg-tiny.
import * as torch from '../../torch/index.js';
import { CLIPAttention, CLIPMLP, CLIPModel } from '../clip/model.js';
import type { CLIPSegConfig } from './config.js';

const { nn, F } = torch;
type Tensor = torch.Tensor;

/** Post-LayerNorm transformer block with a ReLU MLP (the reference's nn.TransformerEncoderLayer). */
export class CLIPSegDecoderLayer extends nn.Module {
  readonly selfAttn: CLIPAttention;
  readonly layerNorm1: torch.nn.LayerNorm;
  readonly mlp: CLIPMLP;
  readonly layerNorm2: torch.nn.LayerNorm;

  constructor(config: CLIPSegConfig) {
    super();
    const width = config.reduce_dim;
    // HuggingFace builds the decoder layers from a copy of vision_config (reduce_dim wide).
    const eps = config.vision_config.layer_norm_eps;
    this.selfAttn = this.registerModule('self_attn', new CLIPAttention({ hidden_size: width, num_attention_heads: config.decoder_num_attention_heads, attention_dropout: config.decoder_attention_dropout }));
    this.layerNorm1 = this.registerModule('layer_norm1', new nn.LayerNorm(width, { eps }));
    // ReLU whatever `decoder_hidden_act` says (see config.ts).
    this.mlp = this.registerModule('mlp', new CLIPMLP({ hidden_size: width, intermediate_size: config.decoder_intermediate_size, hidden_act: 'relu' }));
    this.layerNorm2 = this.registerModule('layer_norm2', new nn.LayerNorm(width, { eps }));
  }

  forward(hiddenStates: Tensor): Tensor {
    return torch.scope(() => {
      let x = this.layerNorm1.forward(hiddenStates.add(this.selfAttn.forward(hiddenStates)));
      x = this.layerNorm2.forward(x.add(this.mlp.forward(x)));
      return x;
    });
  }
}

/**
 * The light decoder: reduces each tapped activation to `reduce_dim`, adds them deepest first,
 * FiLM-conditions on the prompt embedding at `conditional_layer`, and upsamples the patch tokens
 * to pixels with transposed convolutions.
 */
export class CLIPSegDecoder extends nn.Module {
  readonly filmMul: torch.nn.Linear;
  readonly filmAdd: torch.nn.Linear;
  readonly transposedConvolution: torch.nn.Sequential | torch.nn.ConvTranspose2d;
  readonly reduces: torch.nn.ModuleList<torch.nn.Linear>;
  readonly layers: torch.nn.ModuleList<CLIPSegDecoderLayer>;
  readonly conditionalLayer: number;

  constructor(config: CLIPSegConfig, visionWidth = config.vision_config.hidden_size) {
    super();
    const reduce = config.reduce_dim;
    const patch = config.vision_config.patch_size;
    this.conditionalLayer = config.conditional_layer;
    this.filmMul = this.registerModule('film_mul', new nn.Linear(config.projection_dim, reduce));
    this.filmAdd = this.registerModule('film_add', new nn.Linear(config.projection_dim, reduce));
    if (config.use_complex_transposed_convolution) {
      const k = patch / 4;
      this.transposedConvolution = this.registerModule('transposed_convolution', new nn.Sequential(
        new nn.Conv2d(reduce, reduce, 3, { padding: 1 }),
        new nn.ReLU(),
        new nn.ConvTranspose2d(reduce, reduce / 2, k, { stride: k }),
        new nn.ReLU(),
        new nn.ConvTranspose2d(reduce / 2, 1, k, { stride: k }),
      ));
    } else {
      this.transposedConvolution = this.registerModule('transposed_convolution', new nn.ConvTranspose2d(reduce, 1, patch, { stride: patch }));
    }
    const depth = config.extract_layers.length;
    this.reduces = this.registerModule('reduces', new nn.ModuleList(Array.from({ length: depth }, () => new nn.Linear(visionWidth, reduce))));
    this.layers = this.registerModule('layers', new nn.ModuleList(Array.from({ length: depth }, () => new CLIPSegDecoderLayer(config))));
  }

  /** The decoder state before the head: [B, reduce_dim, rows, cols]. */
  features(activations: readonly Tensor[], conditionalEmbeddings: Tensor, grid: readonly [number, number]): Tensor {
    return torch.scope(() => {
      let output: Tensor | undefined;
      const deepestFirst = [...activations].reverse();
      for (let i = 0; i < deepestFirst.length; i++) {
        const reduced = this.reduces.at(i).forward(deepestFirst[i]); // [B, T, reduce]
        output = output ? reduced.add(output) : reduced;
        if (i === this.conditionalLayer) {
          // FiLM on every token, class token included: mul(cond) * x + add(cond).
          const scale = this.filmMul.forward(conditionalEmbeddings).unsqueeze(1); // [B, 1, reduce]
          const shift = this.filmAdd.forward(conditionalEmbeddings).unsqueeze(1);
          output = output.mul(scale).add(shift);
        }
        output = this.layers.at(i).forward(output);
      }
      const [rows, cols] = grid;
      const patches = output!.slice(1, 1).permute([0, 2, 1]); // drop the class token: [B, reduce, T-1]
      return patches.reshape([patches.size(0), patches.size(1), rows, cols]);
    });
  }

  /** Logits [B, H, W] at the input resolution. */
  forward(activations: readonly Tensor[], conditionalEmbeddings: Tensor, grid: readonly [number, number]): Tensor {
    return torch.scope(() => this.transposedConvolution.forward(this.features(activations, conditionalEmbeddings, grid)).squeeze(1));
  }
}

export interface CLIPSegInputs {
  /** [B, 3, H, W], normalised; H and W multiples of the patch size. */
  pixelValues: Tensor;
  /** [B, L] int64 prompt tokens (or give `conditionalPixelValues` / `conditionalEmbeddings`). */
  inputIds?: Tensor;
  attentionMask?: Tensor;
  /** A visual prompt [B, 3, h, w], used instead of text. */
  conditionalPixelValues?: Tensor;
  /** Precomputed prompt embeddings [B, projection_dim]. */
  conditionalEmbeddings?: Tensor;
  /** Precomputed vision activations (the frozen-feature cache), as visionActivations returns. */
  activations?: readonly Tensor[];
}

export interface CLIPSegOutput {
  logits: Tensor;
  conditionalEmbeddings: Tensor;
  activations: Tensor[];
}

export class CLIPSegForImageSegmentation extends nn.Module {
  readonly clip: CLIPModel;
  readonly decoder: CLIPSegDecoder;
  readonly extractLayers: readonly number[];

  constructor(readonly config: CLIPSegConfig) {
    super();
    this.extractLayers = config.extract_layers;
    this.clip = this.registerModule('clip', new CLIPModel(config));
    this.decoder = this.registerModule('decoder', new CLIPSegDecoder(config));
  }

  /**
   * The residual stream after each layer in `extract_layers` (HuggingFace hidden_states[i + 1]),
   * without a final LayerNorm: [B, T, D] each. This is all the vision tower contributes, so it is
   * what a frozen-feature cache stores. Computed without gradients, as the reference does, and
   * only up to the deepest tapped layer (rd64: 10 of 12): the later layers cannot reach the logits.
   */
  visionActivations(pixelValues: Tensor): Tensor[] {
    return torch.noGrad(() => this.clip.visionModel.hiddenStatesAt(pixelValues, this.extractLayers.map((i) => i + 1)));
  }

  /** Prompt embeddings [B, projection_dim] from text tokens or a prompt image, without gradients. */
  conditionalEmbeddings(o: { inputIds?: Tensor; attentionMask?: Tensor; conditionalPixelValues?: Tensor }): Tensor {
    return torch.noGrad(() => {
      if (o.inputIds) return this.clip.getTextFeatures(o.inputIds, o.attentionMask);
      if (o.conditionalPixelValues) return this.clip.getImageFeatures(o.conditionalPixelValues);
      throw new TypeError('CLIPSeg: give inputIds (a text prompt), conditionalPixelValues (an image prompt) or conditionalEmbeddings');
    });
  }

  forward(inputs: CLIPSegInputs): CLIPSegOutput {
    return torch.scope(() => {
      const { pixelValues } = inputs;
      const patch = this.config.vision_config.patch_size;
      const grid: [number, number] = [pixelValues.size(2) / patch, pixelValues.size(3) / patch];
      const activations = inputs.activations ? [...inputs.activations] : this.visionActivations(pixelValues);
      const conditionalEmbeddings = inputs.conditionalEmbeddings ?? this.conditionalEmbeddings(inputs);
      const batch = activations[0].size(0);
      if (conditionalEmbeddings.size(0) !== batch) {
        // One image, several prompts: the image is repeated per prompt, as the reference does.
        if (batch !== 1) throw new RangeError(`CLIPSeg: ${batch} images but ${conditionalEmbeddings.size(0)} prompts; give one prompt per image, or one image`);
        const prompts = conditionalEmbeddings.size(0);
        const repeated = activations.map((a) => a.expand([prompts, -1, -1]));
        return { logits: this.decoder.forward(repeated, conditionalEmbeddings, grid), conditionalEmbeddings, activations };
      }
      return { logits: this.decoder.forward(activations, conditionalEmbeddings, grid), conditionalEmbeddings, activations };
    });
  }
}
