// OpenAI CLIP with a ModifiedResNet image tower, in OpenAI's key layout (`visual.*`,
// `transformer.resblocks.*`, `token_embedding.weight`, `positional_embedding`, `ln_final.*`,
// `text_projection`, `logit_scale`): the backbone CRIS builds from RN50.pt (its `backbone.*` keys).
// Reference: DerrickWang005/CRIS.pytorch model/clip.py at e596332 (CLIP.encode_image, encode_text),
// whose text encoder returns every word feature as well as the sentence state.
import * as torch from '../../torch/index.js';
import { ModifiedResNet, type ModifiedResNetOptions } from './modified-resnet.js';
import { causalAttentionMask, OpenAITransformer } from './text-transformer-openai.js';

const { nn } = torch;
type Tensor = torch.Tensor;

/** Sizes of the text side; RN50's are in `clipRN50Text`. */
export interface OpenAITextOptions {
  vocabSize: number;
  /** Rows of the positional table (77). */
  contextLength: number;
  width: number;
  /** OpenAI: width / 64. */
  heads: number;
  layers: number;
  /** MLP hidden size (4 · width). */
  mlpDim?: number;
  /** Output size of `text_projection` (CLIP's embed_dim). */
  embedDim: number;
  layerNormEps?: number;
}

export const clipRN50Text: OpenAITextOptions = { vocabSize: 49408, contextLength: 77, width: 512, heads: 8, layers: 12, embedDim: 1024 };

export interface TextEncoding {
  /** Word features [B, L, width]: the final LayerNorm of every position, not projected. */
  word: Tensor;
  /** Sentence state [B, embedDim]: the word feature at the end token, times `text_projection`. */
  state: Tensor;
}

export class CLIPResNet extends nn.Module {
  readonly positionalEmbedding: torch.nn.Parameter;
  readonly textProjection: torch.nn.Parameter;
  readonly logitScale: torch.nn.Parameter;
  readonly visual: ModifiedResNet;
  readonly transformer: OpenAITransformer;
  readonly tokenEmbedding: torch.nn.Embedding;
  readonly lnFinal: torch.nn.LayerNorm;

  constructor(readonly visualOptions: ModifiedResNetOptions, readonly textOptions: OpenAITextOptions) {
    super();
    const t = textOptions;
    // OpenAI's initialisation (CLIP.initialize_parameters); loading a checkpoint overwrites it.
    this.positionalEmbedding = this.registerParameter('positional_embedding', torch.scope(() => torch.randn([t.contextLength, t.width]).mul(0.01)));
    this.textProjection = this.registerParameter('text_projection', torch.scope(() => torch.randn([t.width, t.embedDim]).mul(t.width ** -0.5)));
    this.logitScale = this.registerParameter('logit_scale', torch.scalarTensor(Math.log(1 / 0.07)));
    this.visual = this.registerModule('visual', new ModifiedResNet(visualOptions));
    this.transformer = this.registerModule('transformer', new OpenAITransformer(t.width, t.layers, t.heads, { mlpDim: t.mlpDim, eps: t.layerNormEps }));
    this.tokenEmbedding = this.registerModule('token_embedding', new nn.Embedding(t.vocabSize, t.width));
    this.lnFinal = this.registerModule('ln_final', new nn.LayerNorm(t.width, { eps: t.layerNormEps ?? 1e-5 }));
    torch.noGrad(() => torch.scope(() => void this.tokenEmbedding.weight.copy_(torch.randn(this.tokenEmbedding.weight.shape).mul(0.02))));
  }

  /** pixelValues [B, 3, H, W] → [v3, v4, v5] (layer2, layer3, attention-pool map). */
  encodeImage(pixelValues: Tensor): [Tensor, Tensor, Tensor] {
    return this.visual.forward(pixelValues);
  }

  /**
   * inputIds [B, L] int64 → word features and sentence state. A causal mask over all L positions
   * and no padding mask: padding is embedded and processed like any token. The end token is found
   * as the largest id (its first occurrence), as the reference's `text.argmax(dim=-1)`.
   */
  encodeText(inputIds: Tensor): TextEncoding {
    return torch.scope(() => {
      const [batch, length] = inputIds.shape;
      const rows = this.positionalEmbedding.size(0);
      if (length > rows) {
        throw new RangeError(`CLIPResNet.encodeText: input_ids have ${length} positions but the positional table has ${rows} rows (context_length); tokenize to at most ${rows}`);
      }
      const embedded = this.tokenEmbedding.forward(inputIds).add(this.positionalEmbedding.slice(0, 0, length)); // [B, L, D]
      const mask = causalAttentionMask(length, embedded);
      const encoded = this.transformer.forward(embedded.permute([1, 0, 2]), mask).permute([1, 0, 2]); // [L, B, D] → [B, L, D]
      const word = this.lnFinal.forward(encoded);
      const endPositions = inputIds.argmax(-1); // [B]
      const batchIndex = torch.arange(batch, undefined, 1, { device: inputIds.device });
      const state = word.index([batchIndex, endPositions]).matmul(this.textProjection); // [B, embedDim]
      return { word, state };
    });
  }
}
