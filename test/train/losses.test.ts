// Losses, recipes and early stopping against hand-computed cases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../src/index.js';
import { EarlyStopping } from '../../src/train/early-stopping.js';
import { bceLoss, segmentationLoss, softDiceLoss } from '../../src/train/losses.js';
import { resolveRecipe } from '../../src/train/recipes.js';

const logit = (p: number): number => Math.log(p / (1 - p));

describe('softDiceLoss (MONAI DiceLoss on sigmoid probabilities, smooth 1e-5)', () => {
  it('matches a hand-computed two-image case', () => {
    // Image 0: p = [0.8, 0.2, 0.6, 0.4], g = [1, 0, 1, 0] → Σpg = 1.4, Σp = 2, Σg = 2.
    // Image 1: p = [0.5, 0.5, 0.5, 0.5], g = [0, 0, 0, 0] → Σpg = 0, Σp = 2, Σg = 0.
    const logits = torch.tensor([[[logit(0.8), logit(0.2)], [logit(0.6), logit(0.4)]], [[0, 0], [0, 0]]], { dtype: 'float64' });
    const target = torch.tensor([[[1, 0], [1, 0]], [[0, 0], [0, 0]]], { dtype: 'float64' });
    const l0 = 1 - (2 * 1.4 + 1e-5) / (4 + 1e-5);
    const l1 = 1 - 1e-5 / (2 + 1e-5);
    assert.ok(Math.abs(softDiceLoss(logits, target).item() - (l0 + l1) / 2) < 1e-12);
  });

  it('is ~0 for a perfect prediction and 1 - 1e-5/(Σp + 1e-5) on an empty mask', () => {
    const target = torch.tensor([[[1, 0]]], { dtype: 'float64' });
    assert.ok(softDiceLoss(torch.tensor([[[40, -40]]], { dtype: 'float64' }), target).item() < 1e-12);
    const empty = torch.zeros([1, 1, 2], { dtype: 'float64' });
    assert.ok(Math.abs(softDiceLoss(torch.zeros([1, 1, 2], { dtype: 'float64' }), empty).item() - (1 - 1e-5 / (1 + 1e-5))) < 1e-12);
  });
});

describe('segmentationLoss', () => {
  it('weights Dice and BCE as the recipe says', () => {
    const logits = torch.tensor([[[0.3, -1.2], [2, -0.5]]], { dtype: 'float64' });
    const target = torch.tensor([[[1, 0], [1, 1]]], { dtype: 'float64' });
    const bce = -[[0.3, 1], [-1.2, 0], [2, 1], [-0.5, 1]].map(([x, y]) => y! * Math.log(1 / (1 + Math.exp(-x!))) + (1 - y!) * Math.log(1 - 1 / (1 + Math.exp(-x!)))).reduce((a, b) => a + b, 0) / 4;
    assert.ok(Math.abs(bceLoss(logits, target).item() - bce) < 1e-12);
    const combined = segmentationLoss(logits, target, { dice: 1, bce: 0.2 }).item();
    assert.ok(Math.abs(combined - (softDiceLoss(logits, target).item() + 0.2 * bce)) < 1e-12);
  });

  it('refuses masks that do not match the logits', () => {
    assert.throws(() => segmentationLoss(torch.zeros([1, 4, 4]), torch.zeros([1, 8, 8]), { dice: 1, bce: 0 }), /target \[1, 8, 8\] does not match logits \[1, 4, 4\]; resize masks to the model resolution/);
  });
});

describe('recipes', () => {
  it('gives the paper, published and released CLIPSeg recipes of docs/training.md', () => {
    const paper = resolveRecipe('clipseg', 'paper');
    assert.deepEqual([paper.optimizer, paper.lr, paper.weight_decay, paper.batch_size, paper.scheduler.type], ['adam', 1e-3, 0, 16, 'constant']);
    assert.deepEqual(paper.loss, { dice: 1, bce: 0.2 });
    const released = resolveRecipe('clipseg', 'released');
    assert.deepEqual([released.optimizer, released.lr, released.weight_decay, released.batch_size, released.grad_clip], ['adamw', 2e-3, 1e-3, 128, 0.5]);
    assert.deepEqual(released.loss, { dice: 1, bce: 0 });
    assert.deepEqual(released.frozen, ['clip']);
    const cris = resolveRecipe('cris', 'published');
    assert.deepEqual([cris.lr, cris.lr_groups, cris.threshold, cris.input_size], [1e-5, { 'backbone.': 1e-6 }, 0.35, [416, 416]]);
  });

  it('applies overrides and names unknown or bad fields', () => {
    assert.equal(resolveRecipe('unet', 'paper', { lr: 5e-4 }).lr, 5e-4);
    assert.equal(resolveRecipe('clipseg', 'released', { scheduler: { patience: 2 } }).scheduler.type, 'plateau');
    assert.throws(() => resolveRecipe('clipseg', 'released', { learning_rate: 1 }, 'run.yaml'), /run\.yaml: unknown recipe field 'learning_rate'; known: optimizer, lr, lr_groups/);
    assert.throws(() => resolveRecipe('clipseg', 'released', { lr: -1 }, 'run.yaml'), /run\.yaml: recipe field 'lr': Number must be greater than 0/);
    assert.throws(() => resolveRecipe('resnet', 'paper'), /no training recipe for model family 'resnet'/);
  });
});

describe('EarlyStopping', () => {
  it('stops after `patience` epochs without an improvement larger than min_delta', () => {
    const stopper = new EarlyStopping('max', 3, 0.01);
    const dice = [0.5, 0.6, 0.605, 0.59, 0.608, 0.62, 0.61, 0.6, 0.615];
    const decisions = dice.map((d, i) => stopper.update(d, i + 1));
    assert.deepEqual(decisions.map((d) => d.improved), [true, true, false, false, false, true, false, false, false]);
    assert.deepEqual(decisions.map((d) => d.stop), [false, false, false, false, true, false, false, false, true]);
    assert.equal(stopper.state.best, 0.62);
    assert.equal(stopper.state.bestEpoch, 6);
  });

  it('never stops before min_epochs, and watches a loss downwards', () => {
    const stopper = new EarlyStopping('min', 1, 0, 4);
    const decisions = [1, 2, 3, 4, 5].map((loss, i) => stopper.update(loss, i + 1).stop);
    assert.deepEqual(decisions, [false, false, false, true, true]);
  });
});
