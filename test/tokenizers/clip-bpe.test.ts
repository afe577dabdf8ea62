import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CheckpointError, ConfigError } from '../../src/errors.js';
import { ClipTokenizer, bundledClipVocabularyDir, clipTokenizerDescription, toTensors } from '../../src/tokenizers/index.js';
import { readJson, fixturePath } from '../helpers.js';
import { readIntRows } from './fixture-tensors.js';

interface TokenCases {
  sot_token_id: number;
  eot_token_id: number;
  cases: { text: string; ids: number[] }[];
}

const fixtureDir = fixturePath('clipseg-tiny');
const tokenCases = readJson<TokenCases>(join(fixtureDir, 'tokens.json'));
const bundled = ClipTokenizer.bundled();
const temp = mkdtempSync(join(tmpdir(), 'vlsm-clip-bpe-'));
after(() => rmSync(temp, { recursive: true, force: true }));

function newDir(name: string): string {
  const dir = join(temp, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('ClipTokenizer on fixtures/clipseg-tiny/tokens.json', () => {
  it('has start id 49406, end id 49407 and pads with 49407 by default', () => {
    assert.equal(bundled.startId, tokenCases.sot_token_id);
    assert.equal(bundled.endId, tokenCases.eot_token_id);
    assert.equal(bundled.padId, 49407);
  });

  for (const [i, c] of tokenCases.cases.entries()) {
    it(`reproduces case ${i} exactly: ${JSON.stringify(c.text)}`, () => {
      assert.deepEqual(bundled.encodeText(c.text), c.ids);
    });
  }

  it('reproduces input_ids and attention_mask of io.safetensors for "a pink round polyp" and ""', () => {
    const io = join(fixtureDir, 'io.safetensors');
    const encoding = bundled.encode(['a pink round polyp', '']);
    assert.deepEqual(encoding.inputIds, readIntRows(io, 'input_ids'));
    assert.deepEqual(encoding.attentionMask, readIntRows(io, 'attention_mask'));
  });

  it('pads with 0 when asked, as openai clip.tokenize does', () => {
    const { inputIds, attentionMask } = bundled.encode('a pink round polyp', { padId: 0 });
    assert.deepEqual(inputIds[0].slice(0, 9), [49406, 320, 3360, 2522, 6833, 335, 49407, 0, 0]);
    assert.equal(inputIds[0].length, 77);
    assert.equal(attentionMask[0].reduce((a, b) => a + b, 0), 7);
  });

  it('returns rows of their own length with padding none', () => {
    const { inputIds, attentionMask } = bundled.encode(['a pink round polyp', ''], { padding: 'none' });
    assert.deepEqual(inputIds, [[49406, 320, 3360, 2522, 6833, 335, 49407], [49406, 49407]]);
    assert.deepEqual(attentionMask, [[1, 1, 1, 1, 1, 1, 1], [1, 1]]);
  });

  it('cuts a long text to start, its first contextLength - 2 tokens and end', () => {
    const full = bundled.encodeText(tokenCases.cases[0].text);
    const { inputIds, attentionMask } = bundled.encode(tokenCases.cases[0].text, { contextLength: 8 });
    assert.deepEqual(inputIds[0], [...full.slice(0, 7), 49407]);
    assert.deepEqual(attentionMask[0], [1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('keeps a text that exactly fills the context uncut', () => {
    const ids = bundled.encodeText('a pink round polyp');
    assert.deepEqual(bundled.encode('a pink round polyp', { contextLength: 7, truncation: false }).inputIds[0], ids);
  });

  it('refuses a long text with truncation false, naming its length and the context length', () => {
    assert.throws(
      () => bundled.encode('a pink round polyp', { contextLength: 6, truncation: false }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message ===
          'ClipTokenizer.encode: "a pink round polyp" has 7 tokens with start and end, more than the context length 6; ' +
            'shorten it, raise contextLength, or pass {truncation: true} to keep its first tokens and the end token',
    );
  });

  it('rejects a context length with no room for start and end', () => {
    assert.throws(() => bundled.encode('x', { contextLength: 1 }), {
      name: 'ConfigError',
      message: 'ClipTokenizer.encode: contextLength must be an integer of at least 2 (room for the start and end tokens), got 1',
    });
  });

  it('rejects a text that is not a string, naming its index', () => {
    assert.throws(() => bundled.encode(['ok', 3 as unknown as string]), {
      name: 'ConfigError',
      message: 'ClipTokenizer.encode: texts[1] must be a string, got number',
    });
  });

  it('splits words into byte-level pieces ending in </w>', () => {
    assert.deepEqual(bundled.tokenize('Polyps, 12mm'), ['poly', 'ps</w>', ',</w>', '1</w>', '2</w>', 'mm</w>']);
  });

  it('makes int64 tensors [batch, 77] with toTensors', () => {
    const t = toTensors(bundled.encode(['a pink round polyp', '']));
    assert.deepEqual(t.inputIds.shape, [2, 77]);
    assert.equal(t.inputIds.dtype, 'int64');
    assert.deepEqual(t.attentionMask.shape, [2, 77]);
    assert.deepEqual((t.inputIds.tolist() as number[][])[0].slice(0, 8), [49406, 320, 3360, 2522, 6833, 335, 49407, 49407]);
  });

  it('refuses ragged rows in toTensors and says how to pad', () => {
    assert.throws(() => toTensors(bundled.encode(['a pink round polyp', ''], { padding: 'none' })), {
      name: 'ConfigError',
      message: "toTensors: inputIds row 1 has 2 tokens, row 0 has 7; encode with padding: 'max_length' to get a rectangular batch",
    });
  });
});

describe('ClipTokenizer.fromDirectory', () => {
  const vocabPath = join(bundledClipVocabularyDir(), 'vocab.json');
  const mergesPath = join(bundledClipVocabularyDir(), 'merges.txt');

  it('reads vocab.json + merges.txt from a checkpoint folder', () => {
    const dir = newDir('pair');
    copyFileSync(vocabPath, join(dir, 'vocab.json'));
    copyFileSync(mergesPath, join(dir, 'merges.txt'));
    const tok = ClipTokenizer.fromDirectory(dir);
    assert.equal(tok.source, `${join(dir, 'vocab.json')}, ${join(dir, 'merges.txt')}`);
    assert.deepEqual(tok.encodeText(tokenCases.cases[6].text), tokenCases.cases[6].ids);
  });

  it('prefers tokenizer.json and takes the pad token from special_tokens_map.json', () => {
    const dir = newDir('json');
    const vocab = JSON.parse(readFileSync(vocabPath, 'utf8')) as Record<string, number>;
    const merges = readFileSync(mergesPath, 'utf8').split('\n').slice(1).filter((l) => l).map((l) => l.split(' ') as [string, string]);
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(clipTokenizerDescription(vocab, merges)));
    writeFileSync(join(dir, 'special_tokens_map.json'), JSON.stringify({ pad_token: { content: '!', lstrip: false } }));
    writeFileSync(join(dir, 'merges.txt'), 'not used\n');
    const tok = ClipTokenizer.fromDirectory(dir);
    assert.equal(tok.source, `${join(dir, 'tokenizer.json')}, ${join(dir, 'special_tokens_map.json')}`);
    assert.equal(tok.padId, 0);
    for (const c of tokenCases.cases) assert.deepEqual(tok.encodeText(c.text), c.ids);
  });

  it('falls back to the bundled vocabulary when the folder has no tokenizer files', () => {
    const tok = ClipTokenizer.fromDirectory(fixtureDir);
    assert.equal(tok.source, `the bundled vocabulary ${bundledClipVocabularyDir()}`);
    assert.deepEqual(tok.encodeText('a pink round polyp'), [49406, 320, 3360, 2522, 6833, 335, 49407]);
  });

  it('refuses a folder that does not exist instead of falling back to the bundled vocabulary', () => {
    const dir = join(temp, 'no-such-folder');
    assert.throws(() => ClipTokenizer.fromDirectory(dir), {
      name: 'CheckpointError',
      message: `ClipTokenizer.fromDirectory: ${dir} is not a folder; pass the checkpoint folder that holds the tokenizer files`,
    });
  });

  it('names the missing half of a vocab.json + merges.txt pair', () => {
    const dir = newDir('half');
    copyFileSync(vocabPath, join(dir, 'vocab.json'));
    assert.throws(() => ClipTokenizer.fromDirectory(dir), (e: unknown) =>
      e instanceof CheckpointError &&
      e.message === `ClipTokenizer.fromDirectory: ${join(dir, 'vocab.json')} is there but ${join(dir, 'merges.txt')} is missing; a CLIP tokenizer needs both (or a tokenizer.json)`,
    );
  });

  it('names the file and line of a malformed merge', () => {
    const dir = newDir('bad-merge');
    copyFileSync(vocabPath, join(dir, 'vocab.json'));
    writeFileSync(join(dir, 'merges.txt'), '#version: 0.2\ni n\nt h e\n');
    assert.throws(() => ClipTokenizer.fromDirectory(dir), {
      name: 'CheckpointError',
      message: `${join(dir, 'merges.txt')}, line 3: a merge must be two symbols separated by one space, got "t h e"`,
    });
  });

  it('refuses a tokenizer.json that is not BPE', () => {
    const dir = newDir('wordpiece');
    copyFileSync(fixturePath('biomedclipseg-tiny', 'tokenizer.json'), join(dir, 'tokenizer.json'));
    assert.throws(() => ClipTokenizer.fromDirectory(dir), {
      name: 'CheckpointError',
      message: `${join(dir, 'tokenizer.json')}: model.type is "WordPiece", a CLIP tokenizer needs "BPE"`,
    });
  });

  it('names a pad token that is not in the vocabulary', () => {
    const dir = newDir('bad-pad');
    copyFileSync(vocabPath, join(dir, 'vocab.json'));
    copyFileSync(mergesPath, join(dir, 'merges.txt'));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ pad_token: '<pad>' }));
    assert.throws(() => ClipTokenizer.fromDirectory(dir), {
      name: 'CheckpointError',
      message: `${join(dir, 'vocab.json')}, ${join(dir, 'merges.txt')}, ${join(dir, 'tokenizer_config.json')}: the pad token "<pad>" is not in the vocabulary`,
    });
  });
});
