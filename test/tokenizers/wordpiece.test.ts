import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { WordPieceTokenizer } from '../../src/tokenizers/index.js';
import { readJson, fixturePath } from '../helpers.js';
import { readIntRows } from './fixture-tensors.js';

interface WordPieceCases {
  context_length: number;
  pad_token_id: number;
  unk_token_id: number;
  cls_token_id: number;
  sep_token_id: number;
  cases: { text: string; tokens: string[]; ids: number[]; attention_mask: number[] }[];
}

const fixtureDir = fixturePath('biomedclipseg-tiny');
const expected = readJson<WordPieceCases>(join(fixtureDir, 'tokens.json'));
const temp = mkdtempSync(join(tmpdir(), 'vlsm-wordpiece-'));
after(() => rmSync(temp, { recursive: true, force: true }));

function folderWith(name: string, files: string[]): string {
  const dir = join(temp, name);
  mkdirSync(dir, { recursive: true });
  for (const file of files) copyFileSync(join(fixtureDir, file), join(dir, file));
  return dir;
}

const sources = {
  'tokenizer.json': WordPieceTokenizer.fromDirectory(folderWith('json', ['tokenizer.json', 'vocab.txt'])),
  'vocab.txt': WordPieceTokenizer.fromDirectory(folderWith('txt', ['vocab.txt'])),
};

for (const [file, tok] of Object.entries(sources)) {
  describe(`WordPieceTokenizer from ${file} on fixtures/biomedclipseg-tiny/tokens.json`, () => {
    it(`is read from ${file}`, () => {
      assert.ok(tok.source.endsWith(file), tok.source);
    });

    it('looks the special ids up in the vocabulary', () => {
      assert.deepEqual([tok.padId, tok.unkId, tok.clsId, tok.sepId], [expected.pad_token_id, expected.unk_token_id, expected.cls_token_id, expected.sep_token_id]);
    });

    for (const [i, c] of expected.cases.entries()) {
      it(`reproduces the ids and attention mask of case ${i} at context length 32: ${JSON.stringify(c.text.slice(0, 40))}`, () => {
        const { inputIds, attentionMask } = tok.encode(c.text, { contextLength: expected.context_length });
        assert.deepEqual(inputIds[0], c.ids);
        assert.deepEqual(attentionMask[0], c.attention_mask);
      });

      it(`reproduces the word pieces of case ${i}`, () => {
        const real = c.tokens.filter((t) => t !== '[PAD]');
        const pieces = tok.tokenize(c.text).slice(0, real.length - 2);
        assert.deepEqual(['[CLS]', ...pieces, '[SEP]'], real);
      });
    }

    it('reproduces prompt_input_ids and prompt_attention_mask of io.safetensors', () => {
      const io = join(fixtureDir, 'io.safetensors');
      const { inputIds, attentionMask } = tok.encode(expected.cases.map((c) => c.text), { contextLength: 32 });
      assert.deepEqual(inputIds, readIntRows(io, 'prompt_input_ids'));
      assert.deepEqual(attentionMask, readIntRows(io, 'prompt_attention_mask'));
    });

    it('pads to 256 by default, the BiomedCLIP context length', () => {
      const { inputIds, attentionMask } = tok.encode('');
      assert.equal(inputIds[0].length, 256);
      assert.deepEqual(inputIds[0].slice(0, 3), [2, 3, 0]);
      assert.equal(attentionMask[0].reduce((a, b) => a + b, 0), 2);
    });
  });
}

describe('WordPieceTokenizer.fromDirectory', () => {
  it('says which files it needs when the folder has neither', () => {
    const dir = folderWith('empty', []);
    assert.throws(() => WordPieceTokenizer.fromDirectory(dir), {
      name: 'CheckpointError',
      message:
        `WordPieceTokenizer.fromDirectory: ${dir} has neither tokenizer.json nor vocab.txt; copy the text tokenizer's files ` +
        '(for BiomedCLIP, those of microsoft/BiomedNLP-BiomedBERT-base-uncased-abstract) into it',
    });
  });

  it('names a special token missing from vocab.txt', () => {
    const dir = folderWith('no-cls', []);
    writeFileSync(join(dir, 'vocab.txt'), '[PAD]\n[UNK]\n[SEP]\na\n');
    assert.throws(() => WordPieceTokenizer.fromDirectory(dir), {
      name: 'CheckpointError',
      message: `${join(dir, 'vocab.txt')}: the classification ([CLS]) token "[CLS]" is not in the vocabulary`,
    });
  });

  it('keeps case when tokenizer_config.json says do_lower_case false', () => {
    const dir = folderWith('cased', []);
    writeFileSync(join(dir, 'vocab.txt'), '[PAD]\n[UNK]\n[CLS]\n[SEP]\npolyp\nPolyp\n');
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: false }));
    const tok = WordPieceTokenizer.fromDirectory(dir);
    assert.deepEqual(tok.encode('Polyp polyp', { padding: 'none' }).inputIds[0], [2, 5, 4, 3]);
  });
});
