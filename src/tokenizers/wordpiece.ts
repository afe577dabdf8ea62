// BERT WordPiece for BiomedCLIP's text tower (PubMedBERT, uncased), on @huggingface/tokenizers.
//
// The description is the one transformers writes for an uncased BERT (BertConverter in
// convert_slow_tokenizer.py): BertNormalizer (clean_text, CJK characters spaced out, lowercase,
// strip_accents null = strip accents when lowercasing), BertPreTokenizer (split on whitespace and
// around every punctuation character), WordPiece with "##" continuations, greedy longest match and
// 100 characters per word at most (an unmatchable word becomes one [UNK]). Sequences are
// [CLS] pieces [SEP] [PAD]...; medvlsm tokenizes with max_length = context_length (256),
// truncation and padding "max_length". Special ids are looked up in the vocabulary, never assumed:
// bert-base-uncased has [PAD] 0 / [CLS] 101, the fixture vocabulary [PAD] 0 / [CLS] 2.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { CheckpointError } from '../errors.js';
import { FramedTokenizer, tokenizerFromJson } from './framed-tokenizer.js';
import { readJsonObject, readText, readTokenizerConfig, requireFolder, specialTokenName } from './files.js';

/** BiomedCLIP's text context length (open_clip_config.json text_cfg.context_length). */
export const BIOMEDCLIP_CONTEXT_LENGTH = 256;

export interface WordPieceSpecialTokens {
  cls: string;
  sep: string;
  pad: string;
  unk: string;
}

export const BERT_SPECIAL_TOKENS: WordPieceSpecialTokens = { cls: '[CLS]', sep: '[SEP]', pad: '[PAD]', unk: '[UNK]' };

export interface WordPieceOptions {
  /** Special token names; default BERT's. */
  specialTokens?: Partial<WordPieceSpecialTokens>;
  /** Where the description came from, for messages. */
  source?: string;
}

export interface WordPieceVocabOptions extends WordPieceOptions {
  /** Lowercase (and strip accents) before splitting; default true (uncased BERT, PubMedBERT). */
  lowercase?: boolean;
  /** Strip accents; default: as `lowercase` (BertNormalizer's strip_accents null). */
  stripAccents?: boolean;
}

export class WordPieceTokenizer extends FramedTokenizer {
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly unkId: number;

  private constructor(tokenizer: Tokenizer, options: WordPieceOptions) {
    super(tokenizer, options.source);
    const names = { ...BERT_SPECIAL_TOKENS, ...definedOnly(options.specialTokens ?? {}) };
    this.clsId = this.requireId(names.cls, 'classification ([CLS])');
    this.sepId = this.requireId(names.sep, 'separator ([SEP])');
    this.padId = this.requireId(names.pad, 'pad ([PAD])');
    this.unkId = this.requireId(names.unk, 'unknown ([UNK])');
  }

  /**
   * Loads the tokenizer of a checkpoint folder: `tokenizer.json` when present, else `vocab.txt`
   * (with `do_lower_case` and the special token names of tokenizer_config.json when it has them).
   */
  static fromDirectory(dir: string): WordPieceTokenizer {
    requireFolder('WordPieceTokenizer.fromDirectory', dir);
    const { config, files } = readTokenizerConfig(dir);
    const specialTokens = {
      cls: specialTokenName(config, 'cls_token'),
      sep: specialTokenName(config, 'sep_token'),
      pad: specialTokenName(config, 'pad_token'),
      unk: specialTokenName(config, 'unk_token'),
    };
    const tokenizerJson = join(dir, 'tokenizer.json');
    if (existsSync(tokenizerJson)) {
      return WordPieceTokenizer.fromTokenizerJson(readJsonObject(tokenizerJson, 'tokenizer description'), {
        specialTokens,
        source: [tokenizerJson, ...files].join(', '),
      });
    }
    const vocabPath = join(dir, 'vocab.txt');
    if (!existsSync(vocabPath)) {
      throw new CheckpointError(
        `WordPieceTokenizer.fromDirectory: ${dir} has neither tokenizer.json nor vocab.txt; copy the text tokenizer's files ` +
          '(for BiomedCLIP, those of microsoft/BiomedNLP-BiomedBERT-base-uncased-abstract) into it',
        dir,
      );
    }
    const lowercase = typeof config.do_lower_case === 'boolean' ? config.do_lower_case : true;
    const stripAccents = typeof config.strip_accents === 'boolean' ? config.strip_accents : undefined;
    return WordPieceTokenizer.fromVocabFile(vocabPath, { specialTokens, lowercase, stripAccents, source: [vocabPath, ...files].join(', ') });
  }

  /** From a BERT vocab.txt: one token per line, id = line number from 0. */
  static fromVocabFile(path: string, options: WordPieceVocabOptions = {}): WordPieceTokenizer {
    return WordPieceTokenizer.fromVocab(parseVocabTxt(readText(path, 'WordPiece vocabulary')), { ...options, source: options.source ?? path });
  }

  /** From tokens in id order, as transformers' BertConverter builds the description. */
  static fromVocab(tokens: readonly string[], options: WordPieceVocabOptions = {}): WordPieceTokenizer {
    const vocab: Record<string, number> = {};
    // A token listed twice keeps its last line, as transformers' load_vocab does.
    tokens.forEach((token, id) => (vocab[token] = id));
    const names = { ...BERT_SPECIAL_TOKENS, ...definedOnly(options.specialTokens ?? {}) };
    const specials = [names.pad, names.unk, names.cls, names.sep, '[MASK]'].filter((t, i, all) => vocab[t] !== undefined && all.indexOf(t) === i);
    const lowercase = options.lowercase ?? true;
    const description = {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specials.map((content) => ({ id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: options.stripAccents ?? null, lowercase },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: null,
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: { type: 'WordPiece', unk_token: names.unk, continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
    };
    return new WordPieceTokenizer(new Tokenizer(description, {}), options);
  }

  /** From a parsed tokenizer.json (a WordPiece model). */
  static fromTokenizerJson(json: Record<string, unknown>, options: WordPieceOptions = {}): WordPieceTokenizer {
    const source = options.source ?? 'tokenizer.json';
    return new WordPieceTokenizer(tokenizerFromJson(json, 'WordPiece', 'a BERT tokenizer', source), { ...options, source });
  }

  /** [CLS] pieces [SEP], padded with [PAD] to 256 by default (medvlsm: max_length = context_length). */
  protected frame(): { start: number; end: number; pad: number; contextLength: number } {
    return { start: this.clsId, end: this.sepId, pad: this.padId, contextLength: BIOMEDCLIP_CONTEXT_LENGTH };
  }
}

/** vocab.txt lines; a final newline ends the last line rather than adding an empty token. */
function parseVocabTxt(text: string): string[] {
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
