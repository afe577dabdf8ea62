import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { datasetAttributeValues, perturbPrompt } from '../../src/prompts/perturb-prompt.js';
import { UNCOMMON_WORDS } from '../../src/prompts/uncommon-words.js';

const attributes = { class: 'polyp', number: 'one', size: 'small', location: 'top left, right', shape: 'round', color: 'pink' };
const p6 = 'one small pink round polyp, located in top left, right of the image';

describe('attribute perturbation (Figure 3)', () => {
  it('replaces size with its opposite and says what changed', () => {
    assert.deepEqual(perturbPrompt(p6, attributes, 'size', 'opposite', 1), {
      prompt: 'one large pink round polyp, located in top left, right of the image', attribute: 'size', mode: 'opposite', from: 'small', to: 'large',
    });
  });

  it('swaps top↔bottom and left↔right in every location item', () => {
    assert.equal(perturbPrompt(p6, attributes, 'location', 'opposite', 1).prompt, 'one small pink round polyp, located in bottom right, left of the image');
  });

  it('turns one into two', () => {
    assert.equal(perturbPrompt(p6, attributes, 'number', 'opposite', 1).prompt, 'two small pink round polyp, located in top left, right of the image');
  });

  it('picks another colour from the vocabulary, the same for the same seed', () => {
    const a = perturbPrompt(p6, attributes, 'color', 'opposite', 7);
    assert.notEqual(a.to, 'pink');
    assert.deepEqual(perturbPrompt(p6, attributes, 'color', 'opposite', 7), a);
    assert.equal(a.prompt, p6.replace('pink', a.to));
  });

  it("draws an 'opposite' colour, shape or class from the dataset's own values when given", () => {
    const entries = [{ attributes: { color: 'Pink', shape: 'round', class: 'polyp' } }, { attributes: { color: 'red', shape: 'oval', class: 'polyp' } }, { attributes: { color: 'pink', class: 'polyp' } }];
    const values = datasetAttributeValues(entries as never, 'color');
    assert.deepEqual(values, ['pink', 'red']);
    for (const seed of [0, 1, 2, 3, 4]) assert.equal(perturbPrompt(p6, attributes, 'color', 'opposite', seed, values).to, 'red');
    assert.equal(perturbPrompt(p6, attributes, 'shape', 'opposite', 0, datasetAttributeValues(entries as never, 'shape')).to, 'oval');
    // A dataset with one class has no other class to offer: a clear error, not a pooled word.
    assert.throws(() => perturbPrompt('one polyp', { class: 'polyp' }, 'class', 'opposite', 0, datasetAttributeValues(entries as never, 'class')), { name: 'ConfigError', message: 'perturb: the dataset has no other class than "polyp" to replace it with' });
    assert.equal(perturbPrompt('one polyp', { class: 'polyp' }, 'class', 'opposite', 0, ['polyp', 'tumor']).prompt, 'one tumor');
  });

  it('replaces a value by an uncommon word from the shipped list', () => {
    const r = perturbPrompt(p6, attributes, 'shape', 'random-word', 3);
    assert.ok(UNCOMMON_WORDS.includes(r.to));
    assert.equal(r.prompt, p6.replace('round', r.to));
  });

  it('keeps a capitalised first word capitalised (BUSI)', () => {
    const busi = 'One small malignant tumor at the left in the breast ultrasound image.';
    assert.equal(perturbPrompt(busi, { number: 'One', size: 'small', type: 'malignant' }, 'number', 'opposite', 0).prompt, 'Two small malignant tumor at the left in the breast ultrasound image.');
    assert.equal(perturbPrompt(busi, { type: 'malignant' }, 'type', 'opposite', 0).prompt, 'One small benign tumor at the left in the breast ultrasound image.');
  });

  it('names the attribute and the prompt when the value is not in the prompt', () => {
    assert.throws(() => perturbPrompt('polyp', attributes, 'size', 'opposite', 0), { name: 'ConfigError', message: 'perturb: prompt "polyp" does not contain size "small"' });
  });

  it('lists the attributes the entry has when asked for another', () => {
    assert.throws(() => perturbPrompt(p6, attributes, 'age', 'opposite', 0), { message: 'perturb: the entry has no value for attribute "age"; it has class, number, size, location, shape, color' });
  });
});
