// CLIP's text transformer with OpenAI's module tree and key names (`transformer.resblocks.N.attn`,
// `ln_1`, `mlp.c_fc`, `mlp.c_proj`, `ln_2`), as in OpenAI's RN50.pt / ViT-B-16.pt and in every
// checkpoint built on them (CRIS). HuggingFace's layout of the same network is clip/model.ts.
// Reference: openai/CLIP clip/model.py (ResidualAttentionBlock, Transformer) and its copy in
// DerrickWang005/CRIS.pytorch model/clip.py at e596332; checked through fixtures/cris-tiny.
import * as torch from '../../torch/index.js';
import { quickGelu } from '../activations.js';

const { nn } = torch;
type Tensor = torch.Tensor;

/** c_fc → QuickGELU → c_proj; the reference's Sequential names its GELU "gelu" (no state). */
export class OpenAIMLP extends nn.Module {
  readonly cFc: torch.nn.Linear;
  readonly cProj: torch.nn.Linear;

  constructor(width: number, hidden: number) {
    super();
    this.cFc = this.registerModule('c_fc', new nn.Linear(width, hidden));
    this.cProj = this.registerModule('c_proj', new nn.Linear(hidden, width));
  }

  forward(x: Tensor): Tensor {
    return torch.scope(() => this.cProj.forward(quickGelu(this.cFc.forward(x))));
  }
}

/** Pre-LayerNorm block over [L, N, D] tokens: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
export class ResidualAttentionBlock extends nn.Module {
  readonly attn: torch.nn.MultiheadAttention;
  readonly ln1: torch.nn.LayerNorm;
  readonly mlp: OpenAIMLP;
  readonly ln2: torch.nn.LayerNorm;

  constructor(width: number, heads: number, o: { mlpDim?: number; eps?: number } = {}) {
    super();
    const eps = o.eps ?? 1e-5;
    this.attn = this.registerModule('attn', new nn.MultiheadAttention(width, heads));
    this.ln1 = this.registerModule('ln_1', new nn.LayerNorm(width, { eps }));
    this.mlp = this.registerModule('mlp', new OpenAIMLP(width, o.mlpDim ?? 4 * width));
    this.ln2 = this.registerModule('ln_2', new nn.LayerNorm(width, { eps }));
  }

  /** x [L, N, D]; `attnMask` [L, L] is added to the scores (-inf above the diagonal: causal). */
  forward(x: Tensor, attnMask?: Tensor): Tensor {
    return torch.scope(() => {
      const normed = this.ln1.forward(x);
      const [attended] = this.attn.forward(normed, normed, normed, { needWeights: false, attnMask: attnMask ?? null });
      const h = x.add(attended);
      return h.add(this.mlp.forward(this.ln2.forward(h)));
    });
  }
}

/** The stack of blocks (`resblocks.N`). */
export class OpenAITransformer extends nn.Module {
  readonly resblocks: torch.nn.ModuleList<ResidualAttentionBlock>;

  constructor(readonly width: number, layers: number, heads: number, o: { mlpDim?: number; eps?: number } = {}) {
    super();
    if (width % heads !== 0) throw new RangeError(`OpenAITransformer: width ${width} must be divisible by heads ${heads}`);
    this.resblocks = this.registerModule('resblocks', new nn.ModuleList(Array.from({ length: layers }, () => new ResidualAttentionBlock(width, heads, o))));
  }

  /** x [L, N, D] → [L, N, D]; each block's intermediates are freed as it finishes. */
  forward(x: Tensor, attnMask?: Tensor): Tensor {
    let h = x;
    for (const block of this.resblocks) {
      const next = block.forward(h, attnMask);
      if (h !== x) h.dispose();
      h = next;
    }
    return h;
  }
}

/** Additive causal mask [L, L]: 0 on and below the diagonal, -inf above (CLIP's build_attention_mask). */
export function causalAttentionMask(length: number, like: Tensor): Tensor {
  return torch.scope(() => {
    const upper = torch.ones([length, length], { dtype: 'bool', device: like.device }).triu(1);
    return torch.zeros([length, length], { dtype: like.dtype, device: like.device }).maskedFill(upper, -Infinity);
  });
}
