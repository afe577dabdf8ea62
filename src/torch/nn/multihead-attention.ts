// nn.MultiheadAttention, after torch/nn/modules/activation.py and
// F.multi_head_attention_forward in torch/nn/functional.py (PyTorch 1.13): the packed
// `in_proj_weight` [3E, E] when query, key and value share the embedding size, separate
// `q_proj_weight`/`k_proj_weight`/`v_proj_weight` when kdim or vdim differ, and `out_proj`.
// Masks follow PyTorch: a bool mask is true where attention is NOT allowed; a float mask is added
// to the scores. (PyTorch 1.13 also has an inference fast path with the same results; not ported.)
import * as F from '../functional.js';
import { empty, zeros } from '../ops/creation.js';
import { cat } from '../ops/shape.js';
import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { checkSizes, factory, type FactoryOptions } from './common.js';
import * as init from './init.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';

export interface MultiheadAttentionOptions extends FactoryOptions {
  /** Dropout on the attention weights in training (0). */
  dropout?: number;
  /** Biases on the in- and out-projections (true). */
  bias?: boolean;
  /** Learned `bias_k`, `bias_v` appended to the keys and values (false). */
  addBiasKv?: boolean;
  /** A zero key and value appended after projection (false). */
  addZeroAttn?: boolean;
  /** Key and value feature sizes (embedDim). */
  kdim?: number;
  vdim?: number;
  /** Inputs and output are [N, L, E] instead of [L, N, E] (false). */
  batchFirst?: boolean;
}

export interface MultiheadAttentionCallOptions {
  /** [N, S] (or [S] unbatched): bool true = ignore that key; float = added to the scores. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights as well (true). */
  needWeights?: boolean;
  /** [L, S] or [N·numHeads, L, S]: bool true = not allowed; float = added to the scores. */
  attnMask?: Tensor | null;
  /** Average the returned weights over heads (true): [N, L, S]; else [N, numHeads, L, S]. */
  averageAttnWeights?: boolean;
}

/**
 * Multi-head attention: softmax(Q Kᵀ/√d + mask) V per head, then the out-projection.
 *
 * Shape (batchFirst false): query [L, N, E], key [S, N, kdim], value [S, N, vdim] → output
 * [L, N, E] and weights [N, L, S] (averaged) or [N, numHeads, L, S]; unbatched inputs drop N.
 * Attributes: `in_proj_weight` [3E, E] (or `q_proj_weight` [E, E], `k_proj_weight` [E, kdim],
 * `v_proj_weight` [E, vdim]), `in_proj_bias` [3E], `bias_k`, `bias_v` [1, 1, E], `out_proj`.
 *
 * @example
 * const attention = new nn.MultiheadAttention(512, 8, { batchFirst: true });
 * const [output, weights] = attention.forward(x, x, x, { keyPaddingMask: padding });
 */
export class MultiheadAttention extends Module {
  readonly kdim: number;
  readonly vdim: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;
  /** True when kdim = vdim = embedDim: the projections are packed in `in_proj_weight`. */
  readonly qkvSameEmbedDim: boolean;
  readonly inProjWeight: Parameter | null;
  readonly qProjWeight: Parameter | null;
  readonly kProjWeight: Parameter | null;
  readonly vProjWeight: Parameter | null;
  readonly inProjBias: Parameter | null;
  readonly biasK: Parameter | null;
  readonly biasV: Parameter | null;
  readonly outProj: Linear;

  constructor(readonly embedDim: number, readonly numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    checkSizes('MultiheadAttention', { embedDim, numHeads });
    this.kdim = options.kdim ?? embedDim;
    this.vdim = options.vdim ?? embedDim;
    checkSizes('MultiheadAttention', { kdim: this.kdim, vdim: this.vdim });
    this.qkvSameEmbedDim = this.kdim === embedDim && this.vdim === embedDim;
    this.headDim = Math.floor(embedDim / numHeads);
    if (this.headDim * numHeads !== embedDim) {
      throw new RangeError(`nn.MultiheadAttention: embed_dim must be divisible by num_heads (embedDim ${embedDim}, numHeads ${numHeads})`);
    }
    this.dropout = options.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout <= 1)) throw new RangeError(`nn.MultiheadAttention: dropout must be between 0 and 1, got ${this.dropout}`);
    this.batchFirst = options.batchFirst ?? false;
    this.addZeroAttn = options.addZeroAttn ?? false;
    const f = factory(options);
    // Registration order is PyTorch's, so stateDict() lists the keys as its checkpoints do.
    if (this.qkvSameEmbedDim) {
      this.inProjWeight = this.registerParameter('in_proj_weight', empty([3 * embedDim, embedDim], f));
      this.qProjWeight = this.kProjWeight = this.vProjWeight = null;
    } else {
      this.qProjWeight = this.registerParameter('q_proj_weight', empty([embedDim, embedDim], f));
      this.kProjWeight = this.registerParameter('k_proj_weight', empty([embedDim, this.kdim], f));
      this.vProjWeight = this.registerParameter('v_proj_weight', empty([embedDim, this.vdim], f));
      this.inProjWeight = this.registerParameter('in_proj_weight', null);
    }
    const bias = options.bias ?? true;
    this.inProjBias = this.registerParameter('in_proj_bias', bias ? empty([3 * embedDim], f) : null);
    const addBiasKv = options.addBiasKv ?? false;
    this.biasK = this.registerParameter('bias_k', addBiasKv ? empty([1, 1, embedDim], f) : null);
    this.biasV = this.registerParameter('bias_v', addBiasKv ? empty([1, 1, embedDim], f) : null);
    this.outProj = this.registerModule('out_proj', new Linear(embedDim, embedDim, { bias, ...f }));
    this.resetParameters();
  }

  override extraRepr(): string {
    const parts = [`embedDim=${this.embedDim}, numHeads=${this.numHeads}`];
    if (!this.qkvSameEmbedDim) parts.push(`kdim=${this.kdim}, vdim=${this.vdim}`);
    if (this.dropout !== 0) parts.push(`dropout=${this.dropout}`);
    if (this.batchFirst) parts.push('batchFirst=true');
    return parts.join(', ');
  }

  /** Xavier-uniform projections, zero biases, Xavier-normal bias_k and bias_v (PyTorch's order). */
  resetParameters(): void {
    if (this.inProjWeight) init.xavierUniform_(this.inProjWeight);
    for (const w of [this.qProjWeight, this.kProjWeight, this.vProjWeight]) if (w) init.xavierUniform_(w);
    if (this.inProjBias) {
      init.zeros_(this.inProjBias);
      init.zeros_(this.outProj.bias!);
    }
    if (this.biasK) init.xavierNormal_(this.biasK);
    if (this.biasV) init.xavierNormal_(this.biasV);
  }

  /**
   * Attends from `query` to `key`/`value`. Returns [output, weights]; weights is undefined when
   * `needWeights` is false. Intermediates are freed; the results pass to the caller's scope.
   */
  forward(query: Tensor, key: Tensor, value: Tensor, options: MultiheadAttentionCallOptions = {}): [Tensor, Tensor | undefined] {
    return scope(() => this.#attend(query, key, value, options));
  }

  #attend(query: Tensor, key: Tensor, value: Tensor, o: MultiheadAttentionCallOptions): [Tensor, Tensor | undefined] {
    const where = 'nn.MultiheadAttention.forward';
    const batched = this.#checkShapes(query, key, value, o);
    const selfAttention = query === key && key === value;
    const keyIsValue = key === value;
    let keyPaddingMask = o.keyPaddingMask ?? null;
    let attnMask = o.attnMask ?? null;
    if (batched && this.batchFirst) {
      // [N, L, E] → [L, N, E]
      query = query.transpose(1, 0);
      key = selfAttention ? query : key.transpose(1, 0);
      value = keyIsValue ? key : value.transpose(1, 0);
    } else if (!batched) {
      query = query.unsqueeze(1);
      key = selfAttention ? query : key.unsqueeze(1);
      value = keyIsValue ? key : value.unsqueeze(1);
      if (keyPaddingMask) keyPaddingMask = keyPaddingMask.unsqueeze(0);
    }
    const [tgtLen, bsz, embedDim] = query.shape;
    if (embedDim !== this.embedDim) throw new RangeError(`${where}: was expecting embedding dimension of ${this.embedDim}, but got ${embedDim}`);
    const heads = this.numHeads;
    const headDim = this.headDim;

    let [q, k, v] = this.#inProjection(query, key, value, selfAttention, keyIsValue);

    // Masks become additive float masks: -inf where attention is not allowed.
    if (attnMask) {
      attnMask = additiveMask(attnMask, q.dtype, 'attnMask', where);
      const srcLen = key.size(0);
      if (attnMask.ndim === 2) {
        if (attnMask.size(0) !== tgtLen || attnMask.size(1) !== srcLen) {
          throw new RangeError(`${where}: The shape of the 2D attn_mask is [${attnMask.shape.join(', ')}], but should be [${tgtLen}, ${srcLen}].`);
        }
        attnMask = attnMask.unsqueeze(0);
      } else if (attnMask.ndim === 3) {
        const expected = [bsz * heads, tgtLen, srcLen];
        if (attnMask.shape.some((d, i) => d !== expected[i])) {
          throw new RangeError(`${where}: The shape of the 3D attn_mask is [${attnMask.shape.join(', ')}], but should be [${expected.join(', ')}].`);
        }
      } else {
        throw new RangeError(`${where}: attn_mask's dimension ${attnMask.ndim} is not supported`);
      }
    }
    if (keyPaddingMask) keyPaddingMask = additiveMask(keyPaddingMask, q.dtype, 'keyPaddingMask', where);

    if (this.biasK && this.biasV) {
      k = cat([k, this.biasK.repeat(1, bsz, 1)]);
      v = cat([v, this.biasV.repeat(1, bsz, 1)]);
      if (attnMask) attnMask = F.pad(attnMask, [0, 1]);
      if (keyPaddingMask) keyPaddingMask = F.pad(keyPaddingMask, [0, 1]);
    }

    // [L, N, E] → [N·heads, L, headDim]
    q = q.contiguous().view(tgtLen, bsz * heads, headDim).transpose(0, 1);
    k = k.contiguous().view(k.size(0), bsz * heads, headDim).transpose(0, 1);
    v = v.contiguous().view(v.size(0), bsz * heads, headDim).transpose(0, 1);

    if (this.addZeroAttn) {
      const zero = zeros([bsz * heads, 1, headDim], { dtype: k.dtype, device: k.device });
      k = cat([k, zero], 1);
      v = cat([v, zero], 1);
      if (attnMask) attnMask = F.pad(attnMask, [0, 1]);
      if (keyPaddingMask) keyPaddingMask = F.pad(keyPaddingMask, [0, 1]);
    }
    const srcLen = k.size(1);

    if (keyPaddingMask) {
      if (keyPaddingMask.ndim !== 2 || keyPaddingMask.size(0) !== bsz || keyPaddingMask.size(1) !== srcLen) {
        throw new RangeError(`${where}: expecting key_padding_mask shape of [${bsz}, ${srcLen}], but got [${keyPaddingMask.shape.join(', ')}]`);
      }
      // [N, S] → [N·heads, 1, S]
      const padding = keyPaddingMask.view(bsz, 1, 1, srcLen).expand(-1, heads, -1, -1).reshape(bsz * heads, 1, srcLen);
      attnMask = attnMask ? attnMask.add(padding) : padding;
    }

    // softmax(q kᵀ / √d + mask) v
    const scores = q.div(Math.sqrt(headDim)).matmul(k.transpose(-2, -1));
    let weights = (attnMask ? scores.add(attnMask) : scores).softmax(-1);
    if (this.training && this.dropout > 0) weights = F.dropout(weights, this.dropout, true);
    const attended = weights.matmul(v);

    // [N·heads, L, headDim] → [L, N, E]
    const merged = attended.transpose(0, 1).contiguous().view(tgtLen * bsz, embedDim);
    let output = F.linear(merged, this.outProj.weight, this.outProj.bias).view(tgtLen, bsz, embedDim);
    let averaged: Tensor | undefined;
    if (o.needWeights ?? true) {
      averaged = weights.view(bsz, heads, tgtLen, srcLen);
      if (o.averageAttnWeights ?? true) averaged = averaged.sum(1).div(heads);
      if (!batched) averaged = averaged.squeeze(0);
    }
    if (!batched) output = output.squeeze(1);
    else if (this.batchFirst) output = output.transpose(1, 0);
    return [output, averaged];
  }

  #inProjection(query: Tensor, key: Tensor, value: Tensor, selfAttention: boolean, keyIsValue: boolean): [Tensor, Tensor, Tensor] {
    const E = this.embedDim;
    const b = this.inProjBias;
    const [bq, bk, bv] = b ? b.chunk(3) : [null, null, null];
    if (this.inProjWeight) {
      const w = this.inProjWeight;
      if (selfAttention) {
        const [q, k, v] = F.linear(query, w, b).chunk(3, -1);
        return [q, k, v];
      }
      if (keyIsValue) {
        const [wq, wkv] = w.split([E, 2 * E]);
        const bkv = b ? b.split([E, 2 * E])[1] : null;
        const [k, v] = F.linear(key, wkv, bkv).chunk(2, -1);
        return [F.linear(query, wq, bq), k, v];
      }
      const [wq, wk, wv] = w.chunk(3);
      return [F.linear(query, wq, bq), F.linear(key, wk, bk), F.linear(value, wv, bv)];
    }
    return [F.linear(query, this.qProjWeight!, bq), F.linear(key, this.kProjWeight!, bk), F.linear(value, this.vProjWeight!, bv)];
  }

  #checkShapes(query: Tensor, key: Tensor, value: Tensor, o: MultiheadAttentionCallOptions): boolean {
    const where = 'nn.MultiheadAttention.forward';
    const shape = (t: Tensor): string => `[${t.shape.join(', ')}]`;
    const batched = query.ndim === 3;
    if (query.ndim !== 2 && !batched) {
      throw new RangeError(`${where}: query should be unbatched 2D or batched 3D tensor but received ${query.ndim}-D query tensor ${shape(query)}`);
    }
    const n = batched ? 3 : 2;
    const kind = batched ? 'batched (3-D)' : 'unbatched (2-D)';
    if (key.ndim !== n || value.ndim !== n) {
      throw new RangeError(`${where}: For ${kind} \`query\`, expected \`key\` and \`value\` to be ${n}-D but found ${key.ndim}-D and ${value.ndim}-D tensors respectively`);
    }
    const kpm = o.keyPaddingMask;
    if (kpm && kpm.ndim !== n - 1) {
      throw new RangeError(`${where}: For ${kind} \`query\`, expected \`key_padding_mask\` to be \`None\` or ${n - 1}-D but found ${kpm.ndim}-D tensor instead`);
    }
    const mask = o.attnMask;
    if (mask && mask.ndim !== 2 && mask.ndim !== 3) {
      throw new RangeError(`${where}: For ${kind} \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${mask.ndim}-D tensor instead`);
    }
    if (key.size(-1) !== this.kdim || value.size(-1) !== this.vdim) {
      throw new RangeError(`${where}: key ${shape(key)} and value ${shape(value)} must end in kdim ${this.kdim} and vdim ${this.vdim}`);
    }
    const sequenceAndBatch = (t: Tensor): number[] => t.shape.slice(0, n - 1);
    const [ks, vs] = [sequenceAndBatch(key), sequenceAndBatch(value)];
    if (ks.some((d, i) => d !== vs[i])) {
      throw new RangeError(`${where}: key's sequence and batch dims [${ks.join(', ')}] do not match value's [${vs.join(', ')}]`);
    }
    return batched;
  }
}

/** A bool (or uint8) mask → float: -inf where true, 0 elsewhere; a float mask in `dtype`. */
function additiveMask(mask: Tensor, dtype: Tensor['dtype'], name: string, where: string): Tensor {
  if (mask.dtype === 'bool' || mask.dtype === 'uint8') {
    const hidden = mask.dtype === 'bool' ? mask : mask.bool();
    return zeros(mask.shape, { dtype, device: mask.device }).maskedFill(hidden, -Infinity);
  }
  if (mask.dtype === 'float32' || mask.dtype === 'float64' || mask.dtype === 'float16' || mask.dtype === 'bfloat16') return mask.to(dtype);
  throw new TypeError(`${where}: only bool and floating types of ${name} are supported, got ${mask.dtype}`);
}
