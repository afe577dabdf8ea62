// What CLIP's BPE and BERT's WordPiece tokenizers share on top of @huggingface/tokenizers: every
// sequence is start token, the text's ids, end token, cut and padded to a context length
// (encoding.ts); the special ids are looked up in the vocabulary, never assumed.
import { Tokenizer } from '@huggingface/tokenizers';
import { CheckpointError } from '../errors.js';
import { asTextList, fitSequence, resolveEncodeOptions, type EncodeOptions, type TokenizerEncoding } from './encoding.js';

/** A tokenizer.json checked to hold a `modelType` model, built; errors name the file. */
export function tokenizerFromJson(json: Record<string, unknown>, modelType: 'BPE' | 'WordPiece', needs: string, source: string): Tokenizer {
  const given = (json.model as { type?: unknown } | undefined)?.type;
  if (given !== modelType) {
    throw new CheckpointError(`${source}: model.type is ${JSON.stringify(given)}, ${needs} needs "${modelType}"`, source, 'model.type');
  }
  try {
    return new Tokenizer(json, {});
  } catch (cause) {
    throw new CheckpointError(`${source}: @huggingface/tokenizers cannot build this tokenizer: ${(cause as Error).message}`, source, undefined, { cause });
  }
}

export abstract class FramedTokenizer {
  /** The files this tokenizer was read from. */
  readonly source: string;
  protected readonly tokenizer: Tokenizer;

  protected constructor(tokenizer: Tokenizer, source: string | undefined) {
    this.tokenizer = tokenizer;
    this.source = source ?? 'a tokenizer description';
  }

  /** The ids framing every sequence, the pad id and the default context length. */
  protected abstract frame(): { start: number; end: number; pad: number; contextLength: number };

  /** The pieces of a text, without the start and end tokens. */
  tokenize(text: string): string[] {
    return this.tokenizer.tokenize(text, { add_special_tokens: false });
  }

  /** start, the text's ids, end: unpadded and uncut. */
  encodeText(text: string): number[] {
    const { start, end } = this.frame();
    return [start, ...this.contentIds(text), end];
  }

  /**
   * Encodes texts to rows of the context length padded with the pad id (both overridable); a long
   * text keeps its start token, first contextLength - 2 tokens and end token.
   */
  encode(texts: string | readonly string[], options: EncodeOptions = {}): TokenizerEncoding {
    const op = `${this.constructor.name}.encode`;
    const list = asTextList(op, texts);
    const { start, end, pad, contextLength } = this.frame();
    const fit = resolveEncodeOptions(op, options, { contextLength, padId: pad, startId: start, endId: end });
    const inputIds: number[][] = [];
    const attentionMask: number[][] = [];
    for (const text of list) {
      const { ids, mask } = fitSequence(op, text, this.contentIds(text), fit);
      inputIds.push(ids);
      attentionMask.push(mask);
    }
    return { inputIds, attentionMask };
  }

  /** The id of a token, undefined when it is not in the vocabulary. */
  tokenToId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  protected contentIds(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  protected requireId(token: string, role: string): number {
    const id = this.tokenizer.token_to_id(token);
    if (id === undefined) {
      throw new CheckpointError(`${this.source}: the ${role} token ${JSON.stringify(token)} is not in the vocabulary`, this.source);
    }
    return id;
  }
}
