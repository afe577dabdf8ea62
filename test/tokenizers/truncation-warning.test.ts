// A prompt longer than the tokenizer's context is cut, and says so: once per distinct prompt,
// naming it, and silent after a bounded number of them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClipTokenizer } from '../../src/tokenizers/index.js';

describe('truncated prompts', () => {
  it('are reported once per distinct prompt, naming it, and the rows keep the context length', () => {
    const tokenizer = ClipTokenizer.bundled();
    const messages: string[] = [];
    const warn = (m: string): void => void messages.push(m);
    const long = `a ${'very '.repeat(100)}large tumour in the left breast`;
    const short = 'a small tumour';
    const first = tokenizer.encode([long, short, long], { warn });
    tokenizer.encode(long, { warn });
    assert.equal(first.inputIds[0]!.length, 77);
    assert.equal(first.inputIds[0]![76], first.inputIds[1]![first.attentionMask[1]!.lastIndexOf(1)], 'the end token closes the cut row');
    assert.equal(messages.length, 1, messages.join('\n'));
    assert.match(messages[0]!, /^ClipTokenizer\.encode: the prompt "a very very .*left breast" has \d+ tokens with start and end, more than the context length 77; it is cut to its first 75 tokens$/);
    // A flood of distinct long prompts is named 21 times, the last with a notice, then nothing.
    for (let i = 0; i < 50; i++) tokenizer.encode(`${i} ${long}`, { warn, contextLength: 16 });
    assert.equal(messages.length, 21);
    assert.match(messages[20]!, /more prompts are cut, they are not named one by one$/);
  });

  it('go to console.warn by default', () => {
    const tokenizer = ClipTokenizer.bundled();
    const original = console.warn;
    const messages: string[] = [];
    console.warn = (m: string) => void messages.push(m);
    try {
      tokenizer.encode('the one prompt that this test alone cuts to four tokens', { contextLength: 6 });
      tokenizer.encode('the one prompt that this test alone cuts to four tokens', { contextLength: 6 });
    } finally {
      console.warn = original;
    }
    assert.equal(messages.length, 1);
    assert.match(messages[0]!, /"the one prompt that this test alone cuts to four tokens" has \d+ tokens/);
  });
});
