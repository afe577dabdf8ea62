import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as torch from '../../../src/torch/index.js';
import * as nn from '../../../src/torch/nn/index.js';
import { assertClose, checkCase, goldenGroup } from './golden.js';

describe('nn.Embedding against PyTorch 1.13', () => {
  it('looks up rows and gives the padding row no gradient, within 1e-5', () => {
    const embedding = new nn.Embedding(10, 4, { paddingIdx: 1, dtype: 'float64' });
    checkCase('embedding', embedding, (x) => [embedding.forward(x.get('ids')!)]);
    const paddingGrad = torch.scope(() => embedding.weight.grad!.select(0, 1).abs().sum().item());
    assert.equal(paddingGrad, 0);
    embedding.dispose();
  });

  it('starts N(0, 1) with a zero padding row, as PyTorch after the same manualSeed', () => {
    torch.manualSeed(0);
    const embedding = new nn.Embedding(6, 3, { paddingIdx: 0 });
    for (const [key, expected] of goldenGroup('init/embedding')) assertClose(embedding.stateDict().get(key), expected, 1e-7, key);
    embedding.dispose();
  });

  it('counts a negative paddingIdx from the end and rejects one out of range', () => {
    const embedding = new nn.Embedding(5, 2, { paddingIdx: -1 });
    assert.equal(embedding.paddingIdx, 4);
    embedding.dispose();
    assert.throws(() => new nn.Embedding(5, 2, { paddingIdx: 5 }), { message: 'nn.Embedding: paddingIdx must be within num_embeddings (got paddingIdx 5, numEmbeddings 5)' });
  });

  it('fromPretrained takes the table over, frozen by default', () => {
    const embedding = nn.Embedding.fromPretrained(torch.scope(() => torch.keep(torch.eye(3))));
    assert.equal(embedding.weight.requiresGrad, false);
    assert.deepEqual(torch.scope(() => embedding.forward(torch.tensor([2], { dtype: 'int64' })).toArray()), [[0, 0, 1]]);
    embedding.dispose();
  });
});
