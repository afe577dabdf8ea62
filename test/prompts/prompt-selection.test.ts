// Prompt selection conventions (docs/training.md §2.3, §7 items 12 and 13): `random` with or without
// p0, and which template(s) of a list prompt a sample gets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLastTemplate, promptedSamples } from '../../src/prompts/prompted-samples.js';
import { parseTemplateChoice, randomPromptKeys, selectPrompt, selectPrompts } from '../../src/prompts/prompt-selection.js';
import type { AnnotationEntry } from '../../src/data/annotation-file.js';
import type { DatasetRecord } from '../../src/data/record.js';

const prompts = { p0: '', p1: 'polyp', p2: 'round polyp', p7: ['a', 'b', 'c', 'd', 'e'] };
const many = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));

describe('prompt type random', () => {
  it('draws p1..pN by default (HEAD) and p0..pN with randomIncludesP0 (the fork)', () => {
    assert.deepEqual(randomPromptKeys(prompts), ['p1', 'p2', 'p7']);
    assert.deepEqual(randomPromptKeys(prompts, true), ['p0', 'p1', 'p2', 'p7']);
    assert.deepEqual(randomPromptKeys({ p10: 'x', p9: 'y', p0: '', p2: 'z' }, true), ['p0', 'p2', 'p9', 'p10']);
    const head = new Set(many(200, (i) => selectPrompt(prompts, 'random', 3, `s${i}`).key));
    assert.deepEqual([...head].sort(), ['p1', 'p2', 'p7']);
  });

  it('picks p0 about 1 time in (N + 1) when it is included, never when not', () => {
    const ten = Object.fromEntries(many(10, (k) => `p${k}`).map((k) => [k, k === 'p0' ? '' : `text ${k}`]));
    const draws = 5000;
    const count = (includeP0: boolean): number => many(draws, (i) => selectPrompt(ten, 'random', 7, `item${i}`, i % 3, { randomIncludesP0: includeP0 }).key).filter((k) => k === 'p0').length;
    const withP0 = count(true) / draws;
    assert.ok(Math.abs(withP0 - 0.1) < 0.015, `p0 frequency ${withP0}, expected 0.1`);
    assert.equal(count(false), 0);
    // Every key is reachable, each near 1/10.
    const keys = many(draws, (i) => selectPrompt(ten, 'random', 7, `item${i}`, 0, { randomIncludesP0: true }).key);
    for (const k of Object.keys(ten)) {
      const f = keys.filter((x) => x === k).length / draws;
      assert.ok(Math.abs(f - 0.1) < 0.02, `${k}: ${f}`);
    }
  });

  it('is a function of (seed, sample, epoch, options)', () => {
    const opts = { randomIncludesP0: true };
    const a = many(50, (i) => selectPrompt(prompts, 'random', 11, `s${i}`, 2, opts).text);
    assert.deepEqual(many(50, (i) => selectPrompt(prompts, 'random', 11, `s${i}`, 2, opts).text), a);
    assert.notDeepEqual(many(50, (i) => selectPrompt(prompts, 'random', 11, `s${i}`, 3, opts).text), a);
    assert.notDeepEqual(many(50, (i) => selectPrompt(prompts, 'random', 12, `s${i}`, 2, opts).text), a);
  });

  it('asks for p0 in the message when nothing can be drawn', () => {
    assert.throws(() => selectPrompt({ p0: '' }, 'random', 1, 'x.png'), { message: 'sample x.png: prompt type random needs at least p1' });
    assert.equal(selectPrompt({ p0: '' }, 'random', 1, 'x.png', 0, { randomIncludesP0: true }).key, 'p0');
  });
});

describe('template choice', () => {
  it("'random' keeps the seeded draw vlsm always made; 'first' takes template 0", () => {
    const texts = new Set(many(60, (i) => selectPrompt(prompts, 'p7', 1, `s${i}`).text));
    assert.equal(texts.size, 5);
    for (let i = 0; i < 20; i++) {
      assert.deepEqual(selectPrompt(prompts, 'p7', 1, `s${i}`, i, { templates: 'first' }), { key: 'p7', text: 'a', template: 0, templateCount: 5 });
    }
    const drawn = selectPrompt(prompts, 'p7', 1, 's3');
    assert.equal(['a', 'b', 'c', 'd', 'e'][drawn.template], drawn.text);
  });

  it("'all' gives every template in list order, and one for a string prompt", () => {
    assert.deepEqual(selectPrompts(prompts, 'p7', 1, 'x', 0, { templates: 'all' }).map((s) => [s.text, s.template, s.templateCount]), [['a', 0, 5], ['b', 1, 5], ['c', 2, 5], ['d', 3, 5], ['e', 4, 5]]);
    assert.deepEqual(selectPrompts(prompts, 'p1', 1, 'x', 0, { templates: 'all' }), [{ key: 'p1', text: 'polyp', template: 0, templateCount: 1 }]);
  });

  it('draws the same key for random whatever the template choice', () => {
    for (let i = 0; i < 30; i++) {
      const key = selectPrompt(prompts, 'random', 5, `s${i}`, 0, { randomIncludesP0: true }).key;
      assert.equal(selectPrompt(prompts, 'random', 5, `s${i}`, 0, { randomIncludesP0: true, templates: 'first' }).key, key);
      assert.ok(selectPrompts(prompts, 'random', 5, `s${i}`, 0, { randomIncludesP0: true, templates: 'all' }).every((s) => s.key === key));
    }
  });

  it('names the choices for an unknown value', () => {
    assert.equal(parseTemplateChoice('all'), 'all');
    assert.throws(() => parseTemplateChoice('last'), { message: 'template choice "last" is not random, first, all' });
  });
});

describe('prompted samples with templates all', () => {
  const entries: AnnotationEntry[] = [
    { img_name: 'a.png', mask_name: 'a.png', prompts: { p0: '', p3: ['x', 'y'] } },
    { img_name: 'b.png', mask_name: 'b.png', prompts: { p0: '', p3: 'z' } },
  ] as AnnotationEntry[];
  const records = [{ id: 'a.png' }, { id: 'b.png' }] as unknown as DatasetRecord[];

  it('gives one sample per template, the last one marked', () => {
    const all = promptedSamples(records, entries, { promptType: 'p3', seed: 0, templates: 'all' }, 'test.json');
    assert.deepEqual(all.map((s) => [s.record.id, s.text, s.template, isLastTemplate(s)]), [['a.png', 'x', 0, false], ['a.png', 'y', 1, true], ['b.png', 'z', 0, true]]);
    const first = promptedSamples(records, entries, { promptType: 'p3', seed: 0, templates: 'first' }, 'test.json');
    assert.deepEqual(first.map((s) => s.text), ['x', 'z']);
  });
});
