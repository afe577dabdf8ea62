// CLIP's two towers with HuggingFace's module tree and key names.
// Reference: huggingface/transformers, src/transformers/models/clip/modeling_clip.py (and the
// identical CLIPSeg copies in models/clipseg/modeling_clipseg.py), over openai/CLIP model.py.
// Each layer's forward runs in its own torch.scope, so a forward pass holds one layer's
// intermediates at a time (autograd keeps what backward needs by itself).
import * as torch from '../../torch/index.js';
import { activation } from '../activations.js';
import type { CLIPConfig, CLIPTextConfig, CLIPVisionConfig } from './config.js';

const { nn, F } = torch;
type Tensor = torch.Tensor;

interface AttentionConfig {
  hidden_size: number;
  num_attention_heads: number;
  attention_dropout: number;
}

/** Multi-head self-attention with separate q/k/v projections; queries scaled before the product. */
export class CLIPAttention extends nn.Module {
  readonly kProj: torch.nn.Linear;
  readonly vProj: torch.nn.Linear;
  readonly qProj: torch.nn.Linear;
  readonly outProj: torch.nn.Linear;
  readonly numHeads: number;
  readonly headDim: number;
  readonly scale: number;
  readonly dropout: number;

  constructor(config: AttentionConfig) {
    super();
    const width = config.hidden_size;
    this.numHeads = config.num_attention_heads;
    this.headDim = width / this.numHeads;
    this.scale = this.headDim ** -0.5;
    this.dropout = config.attention_dropout;
    this.kProj = this.registerModule('k_proj', new nn.Linear(width, width));
    this.vProj = this.registerModule('v_proj', new nn.Linear(width, width));
    this.qProj = this.registerModule('q_proj', new nn.Linear(width, width));
    this.outProj = this.registerModule('out_proj', new nn.Linear(width, width));
  }

  /** hiddenStates [B, L, D]; `mask` is added to the scores ([B or 1, 1, L, L], -inf where hidden). */
  forward(hiddenStates: Tensor, mask?: Tensor): Tensor {
    return torch.scope(() => {
      const [batch, length, width] = hiddenStates.shape;
      const heads = (x: Tensor): Tensor => x.view([batch, length, this.numHeads, this.headDim]).transpose(1, 2); // [B, H, L, d]
      // Inner scopes free q, k, v and the attention output (views hold their storage) as soon as
      // they are used: at batch 8 each is 12 MB, and this scope would keep them all to its end.
      const attended = torch.scope(() => {
        const query = heads(this.qProj.forward(hiddenStates));
        const key = heads(this.kProj.forward(hiddenStates));
        const value = heads(this.vProj.forward(hiddenStates));
        // Queries scaled before the product, as HuggingFace does; scores [B, H, L, L].
        return F.scaledDotProductAttention(query, key, value, { attnMask: mask, scale: this.scale, dropoutP: this.dropout, training: this.training });
      });
      const context = torch.scope(() => attended.transpose(1, 2).reshape([batch, length, width])); // [B, L, D]
      attended.dispose();
      return this.outProj.forward(context);
    });
  }
}

/** fc1 → activation → fc2. */
export class CLIPMLP extends nn.Module {
  readonly fc1: torch.nn.Linear;
  readonly fc2: torch.nn.Linear;
  readonly act: (x: Tensor) => Tensor;

  constructor(config: { hidden_size: number; intermediate_size: number; hidden_act: string }) {
    super();
    this.act = activation(config.hidden_act);
    this.fc1 = this.registerModule('fc1', new nn.Linear(config.hidden_size, config.intermediate_size));
    this.fc2 = this.registerModule('fc2', new nn.Linear(config.intermediate_size, config.hidden_size));
  }

  forward(x: Tensor): Tensor {
    return torch.scope(() => {
      const hidden = this.fc1.forward(x);
      const activated = this.act(hidden);
      if (activated !== hidden) hidden.dispose(); // the widest tensor of the layer, freed before fc2 allocates
      return this.fc2.forward(activated);
    });
  }
}

/** Pre-LayerNorm transformer block: x + attn(ln1(x)), then x + mlp(ln2(x)). */
export class CLIPEncoderLayer extends nn.Module {
  readonly selfAttn: CLIPAttention;
  readonly layerNorm1: torch.nn.LayerNorm;
  readonly mlp: CLIPMLP;
  readonly layerNorm2: torch.nn.LayerNorm;

  constructor(config: CLIPTextConfig | CLIPVisionConfig) {
    super();
    const { hidden_size: width, layer_norm_eps: eps } = config;
    this.selfAttn = this.registerModule('self_attn', new CLIPAttention(config));
    this.layerNorm1 = this.registerModule('layer_norm1', new nn.LayerNorm(width, { eps }));
    this.mlp = this.registerModule('mlp', new CLIPMLP(config));
    this.layerNorm2 = this.registerModule('layer_norm2', new nn.LayerNorm(width, { eps }));
  }

  forward(hiddenStates: Tensor, mask?: Tensor): Tensor {
    // One scope per residual branch, so each branch's intermediates are freed before the next runs.
    return torch.scope(() => {
      const x = torch.scope(() => hiddenStates.add(this.selfAttn.forward(this.layerNorm1.forward(hiddenStates), mask)));
      return torch.scope(() => x.add(this.mlp.forward(this.layerNorm2.forward(x))));
    });
  }
}

/** A stack of encoder layers, optionally returning every hidden state (embeddings first). */
export class CLIPEncoder extends nn.Module {
  readonly layers: torch.nn.ModuleList<CLIPEncoderLayer>;

  constructor(config: CLIPTextConfig | CLIPVisionConfig) {
    super();
    const layers = Array.from({ length: config.num_hidden_layers }, () => new CLIPEncoderLayer(config));
    this.layers = this.registerModule('layers', new nn.ModuleList(layers));
  }

  /**
   * Returns the last hidden state, and `hiddenStates` = [embeddings, after layer 0, ...] when
   * `keepHidden` is true (HuggingFace's output_hidden_states); with a number, only the states at
   * those indices are kept (what CLIPSeg taps), the rest are freed as soon as they are used.
   * `stopEarly` runs only the layers up to the deepest kept state: the later ones cannot reach it
   * (`lastHiddenState` is then that state, not the tower's output).
   */
  forward(inputsEmbeds: Tensor, o: { mask?: Tensor; keepHidden?: boolean | readonly number[]; stopEarly?: boolean } = {}): { lastHiddenState: Tensor; hiddenStates: Tensor[] } {
    const keep = (i: number): boolean => (o.keepHidden === true ? true : Array.isArray(o.keepHidden) ? o.keepHidden.includes(i) : false);
    const depth = o.stopEarly && Array.isArray(o.keepHidden) ? Math.min(this.layers.length, Math.max(0, ...o.keepHidden)) : this.layers.length;
    const hiddenStates: Tensor[] = [];
    let x = inputsEmbeds;
    if (keep(0)) hiddenStates.push(x);
    for (let i = 0; i < depth; i++) {
      const next = this.layers.at(i).forward(x, o.mask);
      if (x !== inputsEmbeds && !keep(i)) x.dispose();
      x = next;
      if (keep(i + 1)) hiddenStates.push(x);
    }
    return { lastHiddenState: x, hiddenStates };
  }
}

// ---- text tower ---------------------------------------------------------------------------------

export class CLIPTextEmbeddings extends nn.Module {
  readonly tokenEmbedding: torch.nn.Embedding;
  readonly positionEmbedding: torch.nn.Embedding;

  constructor(config: CLIPTextConfig) {
    super();
    this.tokenEmbedding = this.registerModule('token_embedding', new nn.Embedding(config.vocab_size, config.hidden_size));
    this.positionEmbedding = this.registerModule('position_embedding', new nn.Embedding(config.max_position_embeddings, config.hidden_size));
  }

  forward(inputIds: Tensor): Tensor {
    return torch.scope(() => {
      const length = inputIds.size(-1);
      const positions = this.positionEmbedding.weight.slice(0, 0, length); // [L, D]
      return this.tokenEmbedding.forward(inputIds).add(positions);
    });
  }
}

/** Additive mask [1, 1, L, L]: 0 on and below the diagonal, -inf above (no peeking ahead). */
function causalMask(length: number, like: Tensor): Tensor {
  return torch.scope(() => {
    const upper = torch.ones([length, length], { dtype: 'bool', device: like.device }).triu(1);
    return torch.zeros([1, 1, length, length], { dtype: like.dtype, device: like.device }).maskedFill(upper, -Infinity);
  });
}

/** Additive mask [B, 1, 1, L] from a 0/1 attention mask: -inf at padding keys. */
export function paddingMask(attentionMask: Tensor, like: Tensor): Tensor {
  return torch.scope(() => {
    const hidden = attentionMask.eq(0).view([attentionMask.size(0), 1, 1, attentionMask.size(1)]);
    return torch.zeros(hidden.shape, { dtype: like.dtype, device: like.device }).maskedFill(hidden, -Infinity);
  });
}

export class CLIPTextTransformer extends nn.Module {
  readonly embeddings: CLIPTextEmbeddings;
  readonly encoder: CLIPEncoder;
  readonly finalLayerNorm: torch.nn.LayerNorm;

  constructor(readonly config: CLIPTextConfig) {
    super();
    this.embeddings = this.registerModule('embeddings', new CLIPTextEmbeddings(config));
    this.encoder = this.registerModule('encoder', new CLIPEncoder(config));
    this.finalLayerNorm = this.registerModule('final_layer_norm', new nn.LayerNorm(config.hidden_size, { eps: config.layer_norm_eps }));
  }

  /**
   * inputIds [B, L] int64 → lastHiddenState [B, L, D] (after the final LayerNorm) and pooled
   * [B, D]: the state at the first end-of-text token (at argmax(ids) for legacy eos id 2, as
   * HuggingFace does).
   */
  forward(inputIds: Tensor, attentionMask?: Tensor): { lastHiddenState: Tensor; pooledOutput: Tensor } {
    return torch.scope(() => {
      const x = this.embeddings.forward(inputIds); // [B, L, D]
      let mask = causalMask(inputIds.size(-1), x);
      if (attentionMask) mask = mask.add(paddingMask(attentionMask, x));
      const { lastHiddenState: encoded } = this.encoder.forward(x, { mask });
      const lastHiddenState = this.finalLayerNorm.forward(encoded);
      const eos = this.config.eos_token_id;
      const eosPosition = eos === 2 ? inputIds.argmax(-1) : inputIds.eq(eos).int().argmax(-1); // first maximum
      const rows = torch.arange(inputIds.size(0), undefined, 1, { device: inputIds.device });
      const pooledOutput = lastHiddenState.index([rows, eosPosition]); // [B, D]
      return { lastHiddenState, pooledOutput };
    });
  }
}

// ---- vision tower -------------------------------------------------------------------------------

export class CLIPVisionEmbeddings extends nn.Module {
  readonly classEmbedding: torch.nn.Parameter;
  readonly patchEmbedding: torch.nn.Conv2d;
  readonly positionEmbedding: torch.nn.Embedding;
  readonly patchSize: number;
  readonly gridSize: number;

  constructor(config: CLIPVisionConfig) {
    super();
    const width = config.hidden_size;
    this.patchSize = config.patch_size;
    this.gridSize = config.image_size / config.patch_size;
    this.classEmbedding = this.registerParameter('class_embedding', torch.randn([width]));
    this.patchEmbedding = this.registerModule('patch_embedding', new nn.Conv2d(config.num_channels, width, config.patch_size, { stride: config.patch_size, bias: false }));
    this.positionEmbedding = this.registerModule('position_embedding', new nn.Embedding(this.gridSize ** 2 + 1, width));
  }

  /**
   * The position table for a `rows` × `cols` patch grid [1 + rows·cols, D]: the stored one at the
   * pretraining size, else its patch part resized bicubically (align_corners false), as CLIPSeg does.
   */
  positionTable(rows: number, cols: number): Tensor {
    return torch.scope(() => {
      const table = this.positionEmbedding.weight; // [1 + g², D]
      if (rows === this.gridSize && cols === this.gridSize) return table;
      const width = table.size(1);
      const classPosition = table.slice(0, 0, 1);
      const grid = table.slice(0, 1).reshape([1, this.gridSize, this.gridSize, width]).permute([0, 3, 1, 2]); // [1, D, g, g]
      const resized = F.interpolate(grid, { size: [rows, cols], mode: 'bicubic', alignCorners: false });
      const patches = resized.permute([0, 2, 3, 1]).reshape([rows * cols, width]);
      return torch.cat([classPosition, patches], 0);
    });
  }

  /** pixelValues [B, C, H, W] → tokens [B, 1 + (H/p)(W/p), D], class token first. */
  forward(pixelValues: Tensor): Tensor {
    return torch.scope(() => {
      const [batch, , height, width] = pixelValues.shape;
      if (height % this.patchSize !== 0 || width % this.patchSize !== 0) {
        throw new RangeError(`CLIP vision embeddings: input ${height}×${width} is not a multiple of the patch size ${this.patchSize}; resize or pad the image to a multiple of ${this.patchSize}`);
      }
      const patches = this.patchEmbedding.forward(pixelValues).flatten(2).transpose(1, 2); // [B, N, D]
      const cls = this.classEmbedding.view([1, 1, -1]).expand([batch, 1, -1]);
      const tokens = torch.cat([cls, patches], 1);
      return tokens.add(this.positionTable(height / this.patchSize, width / this.patchSize));
    });
  }
}

export class CLIPVisionTransformer extends nn.Module {
  readonly embeddings: CLIPVisionEmbeddings;
  readonly preLayrnorm: torch.nn.LayerNorm;
  readonly encoder: CLIPEncoder;
  readonly postLayernorm: torch.nn.LayerNorm;

  constructor(readonly config: CLIPVisionConfig) {
    super();
    const { hidden_size: width, layer_norm_eps: eps } = config;
    this.embeddings = this.registerModule('embeddings', new CLIPVisionEmbeddings(config));
    // "layrnorm" is HuggingFace's spelling, kept because it is the checkpoint key.
    this.preLayrnorm = this.registerModule('pre_layrnorm', new nn.LayerNorm(width, { eps }));
    this.encoder = this.registerModule('encoder', new CLIPEncoder(config));
    this.postLayernorm = this.registerModule('post_layernorm', new nn.LayerNorm(width, { eps }));
  }

  /**
   * The hidden states at `indices` (0 = embeddings, i = after layer i - 1, HuggingFace's
   * hidden_states[i]), running only the layers up to the deepest of them.
   */
  hiddenStatesAt(pixelValues: Tensor, indices: readonly number[]): Tensor[] {
    return torch.scope(() => {
      const x = torch.scope(() => this.preLayrnorm.forward(this.embeddings.forward(pixelValues)));
      return this.encoder.forward(x, { keepHidden: indices, stopEarly: true }).hiddenStates;
    });
  }

  /**
   * pixelValues [B, C, H, W] → lastHiddenState [B, T, D], pooledOutput [B, D] (post-LayerNorm of
   * the class token) and the hidden states selected by `keepHidden` (index 0 = embeddings).
   */
  forward(pixelValues: Tensor, o: { keepHidden?: boolean | readonly number[] } = {}): { lastHiddenState: Tensor; pooledOutput: Tensor; hiddenStates: Tensor[] } {
    return torch.scope(() => {
      const x = this.preLayrnorm.forward(this.embeddings.forward(pixelValues));
      const { lastHiddenState, hiddenStates } = this.encoder.forward(x, { keepHidden: o.keepHidden });
      const pooledOutput = this.postLayernorm.forward(lastHiddenState.select(1, 0));
      return { lastHiddenState, pooledOutput, hiddenStates };
    });
  }
}

/** CLIPModel: both towers and their projections into the joint embedding space. */
export class CLIPModel extends nn.Module {
  readonly textModel: CLIPTextTransformer;
  readonly visionModel: CLIPVisionTransformer;
  readonly visualProjection: torch.nn.Linear;
  readonly textProjection: torch.nn.Linear;
  readonly logitScale: torch.nn.Parameter;

  constructor(readonly config: CLIPConfig) {
    super();
    const { text_config: text, vision_config: vision, projection_dim: dim } = config;
    this.textModel = this.registerModule('text_model', new CLIPTextTransformer(text));
    this.visionModel = this.registerModule('vision_model', new CLIPVisionTransformer(vision));
    this.visualProjection = this.registerModule('visual_projection', new nn.Linear(vision.hidden_size, dim, { bias: false }));
    this.textProjection = this.registerModule('text_projection', new nn.Linear(text.hidden_size, dim, { bias: false }));
    this.logitScale = this.registerParameter('logit_scale', torch.scalarTensor(config.logit_scale_init_value));
  }

  /** Projected text features [B, projection_dim] (not normalised). */
  getTextFeatures(inputIds: Tensor, attentionMask?: Tensor): Tensor {
    return torch.scope(() => this.textProjection.forward(this.textModel.forward(inputIds, attentionMask).pooledOutput));
  }

  /** Projected image features [B, projection_dim] (not normalised). */
  getImageFeatures(pixelValues: Tensor): Tensor {
    return torch.scope(() => this.visualProjection.forward(this.visionModel.forward(pixelValues).pooledOutput));
  }
}
