// nn.Embedding, after torch/nn/modules/sparse.py.
import * as F from '../functional.js';
import { noGrad } from '../autograd.js';
import { empty } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { checkSizes, factory, type FactoryOptions } from './common.js';
import * as init from './init.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';

/**
 * A lookup table: integer indices [*] → rows of `weight` [*, embeddingDim].
 *
 * Args: numEmbeddings, embeddingDim; options paddingIdx (its row starts at zero and gets no
 * gradient; negative counts from the end), dtype, device.
 * Attributes: `weight` [numEmbeddings, embeddingDim], initialised N(0, 1).
 *
 * @example
 * const tokens = new nn.Embedding(49408, 512);
 * const x = tokens.forward(torch.tensor([[49406, 320, 49407]], { dtype: 'int64' })); // [1, 3, 512]
 */
export class Embedding extends Module {
  readonly paddingIdx: number | undefined;
  readonly weight: Parameter;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, options: FactoryOptions & { paddingIdx?: number; weight?: Tensor } = {}) {
    super();
    checkSizes('Embedding', { numEmbeddings, embeddingDim });
    const paddingIdx = options.paddingIdx;
    if (paddingIdx !== undefined) {
      if (!Number.isInteger(paddingIdx) || paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings) {
        throw new RangeError(`nn.Embedding: paddingIdx must be within num_embeddings (got paddingIdx ${paddingIdx}, numEmbeddings ${numEmbeddings})`);
      }
      this.paddingIdx = paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
    }
    if (options.weight) {
      const shape = options.weight.shape;
      if (shape.length !== 2 || shape[0] !== numEmbeddings || shape[1] !== embeddingDim) {
        throw new RangeError(`nn.Embedding: weight [${shape.join(', ')}] does not match numEmbeddings ${numEmbeddings}, embeddingDim ${embeddingDim}`);
      }
      this.weight = this.registerParameter('weight', options.weight);
    } else {
      this.weight = this.registerParameter('weight', empty([numEmbeddings, embeddingDim], factory(options)));
      this.resetParameters();
    }
  }

  /** An Embedding holding `embeddings` [num, dim] (taken over), frozen unless `freeze: false`. */
  static fromPretrained(embeddings: Tensor, options: { freeze?: boolean; paddingIdx?: number } = {}): Embedding {
    if (embeddings.ndim !== 2) throw new RangeError(`nn.Embedding.fromPretrained: embeddings must be 2-dimensional, got [${embeddings.shape.join(', ')}]`);
    const [num, dim] = embeddings.shape;
    const embedding = new Embedding(num, dim, { paddingIdx: options.paddingIdx, weight: embeddings });
    embedding.weight.requiresGrad_(!(options.freeze ?? true));
    return embedding;
  }

  resetParameters(): void {
    init.normal_(this.weight);
    if (this.paddingIdx !== undefined) {
      noGrad(() => {
        const row = this.weight.select(0, this.paddingIdx!);
        row.fill_(0);
        row.dispose();
      });
    }
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === undefined ? '' : `, paddingIdx=${this.paddingIdx}`}`;
  }

  forward(input: Tensor): Tensor {
    return F.embedding(input, this.weight, this.paddingIdx);
  }
}
