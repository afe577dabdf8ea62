import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ClipTokenizer, crisTokenize } from '../../src/tokenizers/index.js';
import { readJson, fixturePath } from '../helpers.js';
import { readIntRows } from './fixture-tensors.js';

const fixtureDir = fixturePath('cris-tiny');
const config = readJson<{ text: { word_len: number }; input: { prompts: string[] } }>(join(fixtureDir, 'config.json'));
const clip = ClipTokenizer.bundled();

describe('crisTokenize with the CRIS convention', () => {
  it('reproduces input_ids and pad_mask of fixtures/cris-tiny (word length 17, truncated, zero padded)', () => {
    const io = join(fixtureDir, 'io.safetensors');
    const { inputIds, padMask } = crisTokenize(clip, config.input.prompts, { wordLength: config.text.word_len });
    assert.deepEqual(inputIds, readIntRows(io, 'input_ids'));
    assert.deepEqual(padMask, readIntRows(io, 'pad_mask').map((row) => row.map((v) => v === 1)));
  });

  it('writes the end token over the last position of a long prompt', () => {
    const { inputIds } = crisTokenize(clip, config.input.prompts[0], { wordLength: 17 });
    const full = clip.encodeText(config.input.prompts[0]);
    assert.equal(full.length, 21);
    assert.deepEqual(inputIds[0], [...full.slice(0, 16), 49407]);
  });

  it('pads to the configured word length of 22 or 77', () => {
    for (const wordLength of [22, 77]) {
      const { inputIds, padMask, attentionMask } = crisTokenize(clip, 'skateboarder, lower right', { wordLength });
      assert.equal(inputIds[0].length, wordLength);
      assert.deepEqual(inputIds[0].slice(0, 8), [49406, 13740, 37414, 267, 4909, 1155, 49407, 0]);
      assert.equal(padMask[0].filter(Boolean).length, wordLength - 7);
      assert.equal(attentionMask[0].reduce((a, b) => a + b, 0), 7);
    }
  });

  it('masks a real "!" token (id 0) as padding, as the reference does', () => {
    const { inputIds, padMask } = crisTokenize(clip, '100!%', { wordLength: 8 });
    assert.deepEqual(inputIds[0], [49406, 272, 271, 271, 0, 260, 49407, 0]);
    assert.deepEqual(padMask[0], [false, false, false, false, true, false, false, true]);
  });
});

describe('crisTokenize with the medvlsm HuggingFace wrapper convention', () => {
  it('pads to 77 with the tokenizer pad id 49407, so the id == 0 mask masks nothing', () => {
    const { inputIds, padMask, attentionMask } = crisTokenize(clip, 'skateboarder, lower right', { convention: 'medvlsm-hf', wordLength: 17 });
    assert.equal(inputIds[0].length, 77);
    assert.deepEqual(inputIds[0].slice(0, 9), [49406, 13740, 37414, 267, 4909, 1155, 49407, 49407, 49407]);
    assert.equal(padMask[0].some(Boolean), false);
    assert.equal(attentionMask[0].reduce((a, b) => a + b, 0), 7);
  });
});

describe('crisTokenize options', () => {
  it('rejects a word length longer than CLIP context, naming the config field', () => {
    assert.throws(() => crisTokenize(clip, 'x', { wordLength: 78 }), {
      name: 'ConfigError',
      message: 'crisTokenize: wordLength must be an integer from 2 to 77 (CRIS configs use 17, 22 or 77), got 78',
    });
  });

  it('rejects an unknown convention', () => {
    assert.throws(() => crisTokenize(clip, 'x', { convention: 'hf' as 'cris' }), {
      name: 'ConfigError',
      message: "crisTokenize: convention must be 'cris' or 'medvlsm-hf', got \"hf\"",
    });
  });
});
