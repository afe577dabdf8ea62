// BiomedCLIP (Zhang et al. 2023) as open_clip builds it: CustomTextCLIP with a timm ViT image tower
// (TimmModel) and a HuggingFace BERT text tower (HFTextEncoder), under open_clip's key names.
// References: mlfoundations/open_clip src/open_clip/{model.py CustomTextCLIP, timm_model.py,
// hf_model.py}; huggingface/pytorch-image-models timm/models/vision_transformer.py
// (VisionTransformer, Block, Attention, Mlp; timm/layers/patch_embed.py); huggingface/transformers
// src/transformers/models/bert/modeling_bert.py (BertModel without its pooler). Checked against
// test/fixtures/biomedclipseg-tiny, whose README describes each layer.
// Each layer's forward runs in its own torch.scope, as in models/clip/model.ts.
import * as torch from '../../torch/index.js';
import { CLIPMLP, paddingMask } from '../clip/model.js';
import { activation } from '../activations.js';
import type { BertConfig, BiomedCLIPConfig, TimmViTConfig } from './config.js';

const { nn, F } = torch;
type Tensor = torch.Tensor;

/** [B, L, H·d] → [B, H, L, d]. */
function splitHeads(x: Tensor, heads: number): Tensor {
  const [batch, length, width] = x.shape;
  return x.view([batch, length, heads, width / heads]).transpose(1, 2);
}

/** [B, H, L, d] → [B, L, H·d]. */
function mergeHeads(x: Tensor): Tensor {
  const [batch, heads, length, dim] = x.shape;
  return x.transpose(1, 2).reshape([batch, length, heads * dim]);
}

// ---- vision tower: timm VisionTransformer ---------------------------------------------------------

/** timm PatchEmbed: a stride-p p×p convolution WITH bias (OpenAI CLIP's has none), flattened. */
export class TimmPatchEmbed extends nn.Module {
  readonly proj: torch.nn.Conv2d;

  constructor(readonly patchSize: number, width: number) {
    super();
    this.proj = this.registerModule('proj', new nn.Conv2d(3, width, patchSize, { stride: patchSize }));
  }

  /** pixelValues [B, 3, H, W] → patch tokens [B, (H/p)(W/p), D], row-major. */
  forward(pixelValues: Tensor): Tensor {
    return torch.scope(() => this.proj.forward(pixelValues).flatten(2).transpose(1, 2));
  }
}

/** timm Attention: fused qkv (rows q, k, v, each split into heads), scale 1/√d, then proj. */
export class TimmAttention extends nn.Module {
  readonly qkv: torch.nn.Linear;
  readonly proj: torch.nn.Linear;

  constructor(width: number, readonly numHeads: number) {
    super();
    this.qkv = this.registerModule('qkv', new nn.Linear(width, 3 * width));
    this.proj = this.registerModule('proj', new nn.Linear(width, width));
  }

  forward(x: Tensor): Tensor {
    return torch.scope(() => {
      // The fused qkv output (which the q, k, v views hold) is freed as soon as attention is done.
      const context = torch.scope(() => {
        const [query, key, value] = this.qkv.forward(x).chunk(3, -1).map((t) => splitHeads(t, this.numHeads)); // [B, H, T, d] each
        return F.scaledDotProductAttention(query, key, value); // [B, H, T, d]
      });
      return this.proj.forward(mergeHeads(context));
    });
  }
}

/** timm Block, pre-LayerNorm: x + attn(norm1(x)), then x + mlp(norm2(x)). */
export class TimmBlock extends nn.Module {
  readonly norm1: torch.nn.LayerNorm;
  readonly attn: TimmAttention;
  readonly norm2: torch.nn.LayerNorm;
  readonly mlp: CLIPMLP;

  constructor(config: TimmViTConfig) {
    super();
    const { width, layer_norm_eps: eps } = config;
    this.norm1 = this.registerModule('norm1', new nn.LayerNorm(width, { eps }));
    this.attn = this.registerModule('attn', new TimmAttention(width, config.heads));
    this.norm2 = this.registerModule('norm2', new nn.LayerNorm(width, { eps }));
    // timm's Mlp: fc1 → exact GELU → fc2, the same module as CLIP's with another activation.
    this.mlp = this.registerModule('mlp', new CLIPMLP({ hidden_size: width, intermediate_size: config.mlp_dim, hidden_act: 'gelu' }));
  }

  forward(hiddenStates: Tensor): Tensor {
    // One scope per residual branch, so each branch's intermediates are freed before the next runs.
    return torch.scope(() => {
      const x = torch.scope(() => hiddenStates.add(this.attn.forward(this.norm1.forward(hiddenStates))));
      return torch.scope(() => x.add(this.mlp.forward(this.norm2.forward(x))));
    });
  }
}

export interface ViTOutput {
  /** After the last block, before the final norm: [B, T, D]. */
  lastHiddenState: Tensor;
  /** The outputs of the blocks asked for, in the order asked: [B, T, D] each, no LayerNorm. */
  blockOutputs: Tensor[];
}

/**
 * timm VisionTransformer with vit_base_patch16_224's recipe: class token, a position table that
 * includes the class position (no interpolation: the input must have the configured size), no
 * pre-norm, pre-LN blocks, final `norm`, class-token pooling, no classifier.
 */
export class TimmVisionTransformer extends nn.Module {
  readonly clsToken: torch.nn.Parameter;
  readonly posEmbed: torch.nn.Parameter;
  readonly patchEmbed: TimmPatchEmbed;
  readonly blocks: torch.nn.ModuleList<TimmBlock>;
  readonly norm: torch.nn.LayerNorm;

  constructor(readonly config: TimmViTConfig) {
    super();
    const { width, patch_size: patch, image_size: size } = config;
    const tokens = (size / patch) ** 2 + 1;
    // timm initialises these with trunc_normal(std 0.02) and normal(std 1e-6); any checkpoint overwrites them.
    this.clsToken = this.registerParameter('cls_token', torch.randn([1, 1, width]).mul_(1e-6));
    this.posEmbed = this.registerParameter('pos_embed', torch.randn([1, tokens, width]).mul_(0.02));
    this.patchEmbed = this.registerModule('patch_embed', new TimmPatchEmbed(patch, width));
    this.blocks = this.registerModule('blocks', new nn.ModuleList(Array.from({ length: config.layers }, () => new TimmBlock(config))));
    this.norm = this.registerModule('norm', new nn.LayerNorm(width, { eps: config.layer_norm_eps }));
  }

  /** pixelValues [B, 3, S, S] → the input of block 0 [B, 1 + (S/p)², D], class token first. */
  embeddings(pixelValues: Tensor): Tensor {
    return torch.scope(() => {
      const [batch, , height, width] = pixelValues.shape;
      const size = this.config.image_size;
      if (height !== size || width !== size) {
        throw new RangeError(`BiomedCLIP vision tower (${this.config.name}): input ${height}×${width}, expected ${size}×${size}; resize the image to ${size}×${size} (the position table is not interpolated)`);
      }
      const patches = this.patchEmbed.forward(pixelValues); // [B, N, D]
      const cls = this.clsToken.expand([batch, -1, -1]); // [B, 1, D]
      return torch.cat([cls, patches], 1).add(this.posEmbed); // [B, 1 + N, D]
    });
  }

  /**
   * Runs every block (or only up to the deepest one in `keepBlocks` when `stopEarly`), keeping
   * the outputs of the blocks in `keepBlocks` (0-based) and freeing the others as it goes.
   */
  forward(pixelValues: Tensor, o: { keepBlocks?: readonly number[]; stopEarly?: boolean } = {}): ViTOutput {
    return torch.scope(() => {
      const keep = o.keepBlocks ?? [];
      for (const b of keep) {
        if (!Number.isInteger(b) || b < 0 || b >= this.blocks.length) throw new RangeError(`BiomedCLIP vision tower: block ${b} does not exist; blocks are 0..${this.blocks.length - 1}`);
      }
      const last = o.stopEarly && keep.length > 0 ? Math.max(...keep) : this.blocks.length - 1;
      const kept = new Map<number, Tensor>();
      let x = this.embeddings(pixelValues);
      for (let i = 0; i <= last; i++) {
        const next = this.blocks.at(i).forward(x);
        if (!kept.has(i - 1)) x.dispose();
        x = next;
        if (keep.includes(i)) kept.set(i, x);
      }
      return { lastHiddenState: x, blockOutputs: keep.map((b) => kept.get(b)!) };
    });
  }

  /** Class-token pooling after the final norm: [B, D]. */
  pool(lastHiddenState: Tensor): Tensor {
    return torch.scope(() => this.norm.forward(lastHiddenState).select(1, 0));
  }
}

/** open_clip TimmModel's head: Sequential(drop, proj); the dropout (p 0) has no keys. */
export class TimmProjectionHead extends nn.Module {
  readonly proj: torch.nn.Linear;

  constructor(width: number, embedDim: number) {
    super();
    this.proj = this.registerModule('proj', new nn.Linear(width, embedDim, { bias: false }));
  }

  forward(x: Tensor): Tensor {
    return this.proj.forward(x);
  }
}

/** open_clip TimmModel: the timm trunk and a linear head into the joint space. */
export class TimmModel extends nn.Module {
  readonly trunk: TimmVisionTransformer;
  readonly head: TimmProjectionHead;

  constructor(config: BiomedCLIPConfig) {
    super();
    this.trunk = this.registerModule('trunk', new TimmVisionTransformer(config.vision));
    this.head = this.registerModule('head', new TimmProjectionHead(config.vision.width, config.embed_dim));
  }

  /** Image features [B, embed_dim] (not normalised): head.proj(norm(x)[:, 0]). */
  forward(pixelValues: Tensor): Tensor {
    return torch.scope(() => this.head.forward(this.trunk.pool(this.trunk.forward(pixelValues).lastHiddenState)));
  }
}

// ---- text tower: HuggingFace BertModel (no pooler) -------------------------------------------------

/** word(id) + position(0, 1, …) + token_type row 0, then LayerNorm. */
export class BertEmbeddings extends nn.Module {
  readonly wordEmbeddings: torch.nn.Embedding;
  readonly positionEmbeddings: torch.nn.Embedding;
  readonly tokenTypeEmbeddings: torch.nn.Embedding;
  readonly layerNorm: torch.nn.LayerNorm;

  constructor(config: BertConfig) {
    super();
    const width = config.hidden_size;
    this.wordEmbeddings = this.registerModule('word_embeddings', new nn.Embedding(config.vocab_size, width, { paddingIdx: config.pad_token_id }));
    this.positionEmbeddings = this.registerModule('position_embeddings', new nn.Embedding(config.max_position_embeddings, width));
    this.tokenTypeEmbeddings = this.registerModule('token_type_embeddings', new nn.Embedding(config.type_vocab_size, width));
    this.layerNorm = this.registerModule('LayerNorm', new nn.LayerNorm(width, { eps: config.layer_norm_eps }));
  }

  /** inputIds [B, L] int64 → [B, L, D]. */
  forward(inputIds: Tensor): Tensor {
    return torch.scope(() => {
      const length = inputIds.size(1);
      const maxLength = this.positionEmbeddings.weight.size(0);
      if (length > maxLength) throw new RangeError(`BERT embeddings: ${length} tokens, the position table has ${maxLength}; encode with a context length of at most ${maxLength}`);
      const positions = this.positionEmbeddings.weight.slice(0, 0, length); // [L, D]
      // No token_type_ids are passed (open_clip, medvlsm), so BERT adds row 0 everywhere.
      const tokenType = this.tokenTypeEmbeddings.weight.select(0, 0); // [D]
      const x = this.wordEmbeddings.forward(inputIds).add(tokenType).add(positions);
      return this.layerNorm.forward(x);
    });
  }
}

/** Multi-head attention with separate query/key/value projections; `mask` is additive. */
export class BertSelfAttention extends nn.Module {
  readonly query: torch.nn.Linear;
  readonly key: torch.nn.Linear;
  readonly value: torch.nn.Linear;

  constructor(width: number, readonly numHeads: number) {
    super();
    this.query = this.registerModule('query', new nn.Linear(width, width));
    this.key = this.registerModule('key', new nn.Linear(width, width));
    this.value = this.registerModule('value', new nn.Linear(width, width));
  }

  forward(hiddenStates: Tensor, mask?: Tensor): Tensor {
    return torch.scope(() => {
      const query = splitHeads(this.query.forward(hiddenStates), this.numHeads); // [B, H, L, d]
      const key = splitHeads(this.key.forward(hiddenStates), this.numHeads);
      const value = splitHeads(this.value.forward(hiddenStates), this.numHeads);
      return mergeHeads(F.scaledDotProductAttention(query, key, value, { attnMask: mask })); // [B, L, D]
    });
  }
}

/** Post-LN residual: LayerNorm(input + dense(x)); BertSelfOutput and BertOutput. */
export class BertResidualOutput extends nn.Module {
  readonly dense: torch.nn.Linear;
  readonly layerNorm: torch.nn.LayerNorm;

  constructor(inFeatures: number, width: number, eps: number) {
    super();
    this.dense = this.registerModule('dense', new nn.Linear(inFeatures, width));
    this.layerNorm = this.registerModule('LayerNorm', new nn.LayerNorm(width, { eps }));
  }

  forward(x: Tensor, input: Tensor): Tensor {
    return torch.scope(() => this.layerNorm.forward(this.dense.forward(x).add(input)));
  }
}

export class BertAttention extends nn.Module {
  readonly self: BertSelfAttention;
  readonly output: BertResidualOutput;

  constructor(config: BertConfig) {
    super();
    this.self = this.registerModule('self', new BertSelfAttention(config.hidden_size, config.num_attention_heads));
    this.output = this.registerModule('output', new BertResidualOutput(config.hidden_size, config.hidden_size, config.layer_norm_eps));
  }

  forward(hiddenStates: Tensor, mask?: Tensor): Tensor {
    return torch.scope(() => this.output.forward(this.self.forward(hiddenStates, mask), hiddenStates));
  }
}

/** dense → hidden_act (exact GELU for BERT). */
export class BertIntermediate extends nn.Module {
  readonly dense: torch.nn.Linear;
  readonly act: (x: Tensor) => Tensor;

  constructor(config: BertConfig) {
    super();
    this.act = activation(config.hidden_act);
    this.dense = this.registerModule('dense', new nn.Linear(config.hidden_size, config.intermediate_size));
  }

  forward(x: Tensor): Tensor {
    return torch.scope(() => this.act(this.dense.forward(x)));
  }
}

/** Post-LN layer: x = LN(x + attention(x)); x = LN(x + output.dense(act(intermediate.dense(x)))). */
export class BertLayer extends nn.Module {
  readonly attention: BertAttention;
  readonly intermediate: BertIntermediate;
  readonly output: BertResidualOutput;

  constructor(config: BertConfig) {
    super();
    this.attention = this.registerModule('attention', new BertAttention(config));
    this.intermediate = this.registerModule('intermediate', new BertIntermediate(config));
    this.output = this.registerModule('output', new BertResidualOutput(config.intermediate_size, config.hidden_size, config.layer_norm_eps));
  }

  forward(hiddenStates: Tensor, mask?: Tensor): Tensor {
    return torch.scope(() => {
      const attended = this.attention.forward(hiddenStates, mask);
      return this.output.forward(this.intermediate.forward(attended), attended);
    });
  }
}

export class BertEncoder extends nn.Module {
  readonly layer: torch.nn.ModuleList<BertLayer>;

  constructor(config: BertConfig) {
    super();
    this.layer = this.registerModule('layer', new nn.ModuleList(Array.from({ length: config.num_hidden_layers }, () => new BertLayer(config))));
  }

  forward(hiddenStates: Tensor, mask?: Tensor): Tensor {
    return torch.scope(() => {
      let x = hiddenStates;
      for (const layer of this.layer) {
        const next = layer.forward(x, mask);
        if (x !== hiddenStates) x.dispose();
        x = next;
      }
      return x;
    });
  }
}

/** HuggingFace BertModel built with add_pooling_layer false (no pooler keys). */
export class BertModel extends nn.Module {
  readonly embeddings: BertEmbeddings;
  readonly encoder: BertEncoder;

  constructor(readonly config: BertConfig) {
    super();
    this.embeddings = this.registerModule('embeddings', new BertEmbeddings(config));
    this.encoder = this.registerModule('encoder', new BertEncoder(config));
  }

  /** inputIds [B, L] int64, attentionMask [B, L] (1 = real token; default all real) → [B, L, D]. */
  forward(inputIds: Tensor, attentionMask?: Tensor): Tensor {
    return torch.scope(() => {
      const x = this.embeddings.forward(inputIds);
      return this.encoder.forward(x, attentionMask ? paddingMask(attentionMask, x) : undefined);
    });
  }
}

/** open_clip's "mlp" projection: Linear → GELU → Linear, without biases (keys proj.0, proj.2). */
export class TextProjectionMLP extends nn.Sequential {
  constructor(width: number, embedDim: number) {
    const hidden = Math.floor((width + embedDim) / 2);
    super(new nn.Linear(width, hidden, { bias: false }), new nn.GELU(), new nn.Linear(hidden, embedDim, { bias: false }));
  }
}

/** open_clip HFTextEncoder: BERT, [CLS] pooling of the last hidden state, projection. */
export class HFTextEncoder extends nn.Module {
  readonly transformer: BertModel;
  readonly proj: torch.nn.Module & { forward(x: Tensor): Tensor };

  constructor(config: BiomedCLIPConfig) {
    super();
    const width = config.text.hidden_size;
    this.transformer = this.registerModule('transformer', new BertModel(config.text));
    this.proj = this.registerModule('proj', config.text_proj === 'mlp' ? new TextProjectionMLP(width, config.embed_dim) : new nn.Linear(width, config.embed_dim, { bias: false }));
  }

  /** The [CLS] state of the last layer, before the projection: [B, hidden_size]. */
  pooled(inputIds: Tensor, attentionMask?: Tensor): Tensor {
    return torch.scope(() => this.transformer.forward(inputIds, attentionMask).select(1, 0));
  }

  /** Text features [B, embed_dim] (not normalised). */
  forward(inputIds: Tensor, attentionMask?: Tensor): Tensor {
    return torch.scope(() => this.proj.forward(this.pooled(inputIds, attentionMask)));
  }
}

// ---- the model -----------------------------------------------------------------------------------

/**
 * open_clip CustomTextCLIP for BiomedCLIP: `visual` (TimmModel), `text` (HFTextEncoder) and
 * `logit_scale`. Keys equal open_clip's state dict (open_clip_pytorch_model.bin).
 */
export class BiomedCLIP extends nn.Module {
  readonly visual: TimmModel;
  readonly text: HFTextEncoder;
  readonly logitScale: torch.nn.Parameter;

  constructor(readonly config: BiomedCLIPConfig) {
    super();
    this.visual = this.registerModule('visual', new TimmModel(config));
    this.text = this.registerModule('text', new HFTextEncoder(config));
    this.logitScale = this.registerParameter('logit_scale', torch.scalarTensor(Math.log(1 / 0.07)));
  }

  /** Image features [B, embed_dim], not normalised (open_clip encode_image(normalize=False)). */
  encodeImage(pixelValues: Tensor): Tensor {
    return this.visual.forward(pixelValues);
  }

  /**
   * Text features [B, embed_dim], not normalised. Without a mask, padding is where the id is the
   * pad id (open_clip encode_text derives the mask the same way).
   *
   * Columns after the last real token of every row are dropped first: masked keys get exactly zero
   * attention weight and positions are absolute, so they cannot change the [CLS] state, and a
   * prompt padded to 256 tokens costs what its own length costs.
   */
  encodeText(inputIds: Tensor, attentionMask?: Tensor): Tensor {
    return torch.scope(() => {
      const mask = attentionMask ?? inputIds.ne(this.config.text.pad_token_id).long();
      const length = inputIds.size(1);
      const used = torch.arange(1, length + 1, 1, { device: mask.device }).mul(mask.ne(0)).max().item(); // last real column + 1
      if (used > 0 && used < length) return this.text.forward(inputIds.slice(1, 0, used), mask.slice(1, 0, used));
      return this.text.forward(inputIds, mask);
    });
  }
}
