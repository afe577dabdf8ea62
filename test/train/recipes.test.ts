// Recipe prompt conventions (docs/training.md §2.3, §7 items 12 and 13): HEAD by default, the fork's
// in the CRIS paper/published presets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recipeFamilies, recipeVariants, resolveRecipe, withRecipeDefaults, type Recipe } from '../../src/train/recipes.js';

const conventions = (r: Recipe): [boolean, string, string] => [r.random_includes_p0, r.val_templates, r.test_templates];

describe('recipe prompt conventions', () => {
  it('follow the CRIS fork in the paper and published presets, HEAD elsewhere', () => {
    assert.deepEqual(conventions(resolveRecipe('cris', 'paper')), [true, 'first', 'all']);
    assert.deepEqual(conventions(resolveRecipe('cris', 'published')), [true, 'first', 'all']);
    assert.deepEqual(conventions(resolveRecipe('cris', 'released')), [false, 'random', 'random']);
    for (const family of recipeFamilies.filter((f) => f !== 'cris')) {
      for (const variant of recipeVariants) assert.deepEqual(conventions(resolveRecipe(family, variant)), [false, 'random', 'random'], `${family} ${variant}`);
    }
  });

  it('can be overridden, and name a bad value', () => {
    const r = resolveRecipe('clipseg', 'released', { random_includes_p0: true, test_templates: 'all', val_templates: 'first' });
    assert.deepEqual(conventions(r), [true, 'first', 'all']);
    assert.equal(resolveRecipe('cris', 'published', { test_templates: 'random' }).test_templates, 'random');
    assert.throws(() => resolveRecipe('cris', 'published', { test_templates: 'last' }, 'run.yaml'), /run\.yaml: recipe field 'test_templates': Invalid enum value\. Expected 'random' \| 'first' \| 'all'/);
    assert.throws(() => resolveRecipe('cris', 'published', { val_templates: 'all' }, 'run.yaml'), /recipe field 'val_templates'/);
  });

  it('default to HEAD for a recipe saved before they existed', () => {
    const saved = resolveRecipe('cris', 'published') as Partial<Recipe>;
    delete saved.random_includes_p0;
    delete saved.val_templates;
    delete saved.test_templates;
    const filled = withRecipeDefaults(saved as Recipe);
    assert.deepEqual(conventions(filled), [false, 'random', 'random']);
    assert.equal(filled.lr, 1e-5);
  });
});
