// CLIP's byte-level BPE tokenizer, on @huggingface/tokenizers.
//
// References: openai/CLIP clip/simple_tokenizer.py (d05afc4) and HuggingFace's CLIPTokenizerFast,
// whose tokenizer.json is what transformers' CLIPConverter (convert_slow_tokenizer.py) writes: NFC,
// runs of whitespace -> one space, lowercase; split by SimpleTokenizer's pattern (contractions, letter
// runs, single digits, runs of other non-space characters; the whitespace between is dropped); byte-level
// alphabet; BPE with the end-of-word suffix `</w>`. @huggingface/tokenizers 0.2.0 expresses all of it
// (its BPE honours end_of_word_suffix), so a checkpoint without tokenizer.json gets the same description
// built from vocab.json + merges.txt below.
//
// One difference from SimpleTokenizer is kept on purpose: SimpleTokenizer first runs ftfy.fix_text and
// html.unescape twice, so "&amp;" becomes "&" there but stays "&amp;" here and in HuggingFace's
// CLIPTokenizerFast. Plain prompts (every case in fixtures/clipseg-tiny/tokens.json) are unaffected.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { CheckpointError } from '../errors.js';
import { packageRoot } from '../package-root.js';
import { FramedTokenizer, tokenizerFromJson } from './framed-tokenizer.js';
import { readJsonObject, readText, readTokenizerConfig, requireFolder, specialTokenName } from './files.js';

export const CLIP_START_TOKEN = '<|startoftext|>';
export const CLIP_END_TOKEN = '<|endoftext|>';
/** HuggingFace's CLIPTokenizer pads with its end token; openai clip.tokenize pads with 0. */
export const CLIP_DEFAULT_PAD_TOKEN = CLIP_END_TOKEN;
export const CLIP_CONTEXT_LENGTH = 77;

/** SimpleTokenizer's pattern (clip/simple_tokenizer.py), as CLIPConverter writes it. */
const CLIP_SPLIT_PATTERN = "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

/** The bundled public vocabulary (assets/vocab/clip-bpe, MIT, OpenAI). */
export function bundledClipVocabularyDir(): string {
  return join(packageRoot(), 'assets', 'vocab', 'clip-bpe');
}

export interface ClipTokenizerOptions {
  /** Pad token name; default `<|endoftext|>` (HuggingFace CLIPTokenizer). */
  padToken?: string;
  /** Where the description came from, for messages. */
  source?: string;
}

export class ClipTokenizer extends FramedTokenizer {
  readonly startId: number;
  readonly endId: number;
  /** The checkpoint's pad id: what `encode` pads with unless told otherwise. */
  readonly padId: number;

  private constructor(tokenizer: Tokenizer, options: ClipTokenizerOptions) {
    super(tokenizer, options.source);
    this.startId = this.requireId(CLIP_START_TOKEN, 'start');
    this.endId = this.requireId(CLIP_END_TOKEN, 'end');
    this.padId = this.requireId(options.padToken ?? CLIP_DEFAULT_PAD_TOKEN, 'pad');
  }

  /**
   * Loads the tokenizer of a checkpoint folder: `tokenizer.json` when present, else `vocab.json` +
   * `merges.txt` (what CIDAS/clipseg-rd64-refined ships), else the bundled public CLIP vocabulary.
   * The pad token comes from tokenizer_config.json / special_tokens_map.json when they name one.
   */
  static fromDirectory(dir: string): ClipTokenizer {
    requireFolder('ClipTokenizer.fromDirectory', dir);
    const { config, files } = readTokenizerConfig(dir);
    const padToken = specialTokenName(config, 'pad_token');
    const tokenizerJson = join(dir, 'tokenizer.json');
    if (existsSync(tokenizerJson)) {
      return ClipTokenizer.fromTokenizerJson(readJsonObject(tokenizerJson, 'tokenizer description'), {
        padToken,
        source: [tokenizerJson, ...files].join(', '),
      });
    }
    const vocabPath = join(dir, 'vocab.json');
    const mergesPath = join(dir, 'merges.txt');
    const hasVocab = existsSync(vocabPath);
    const hasMerges = existsSync(mergesPath);
    if (hasVocab !== hasMerges) {
      const [present, absent] = hasVocab ? [vocabPath, mergesPath] : [mergesPath, vocabPath];
      throw new CheckpointError(
        `ClipTokenizer.fromDirectory: ${present} is there but ${absent} is missing; a CLIP tokenizer needs both (or a tokenizer.json)`,
        absent,
      );
    }
    if (hasVocab) return ClipTokenizer.fromFiles(vocabPath, mergesPath, { padToken, source: [vocabPath, mergesPath, ...files].join(', ') });
    return ClipTokenizer.bundled({ padToken });
  }

  /** The public CLIP vocabulary shipped in assets/vocab/clip-bpe. */
  static bundled(options: ClipTokenizerOptions = {}): ClipTokenizer {
    const dir = bundledClipVocabularyDir();
    return ClipTokenizer.fromFiles(join(dir, 'vocab.json'), join(dir, 'merges.txt'), { ...options, source: options.source ?? `the bundled vocabulary ${dir}` });
  }

  /** From HuggingFace's vocab.json + merges.txt pair. */
  static fromFiles(vocabPath: string, mergesPath: string, options: ClipTokenizerOptions = {}): ClipTokenizer {
    const vocab = parseVocabJson(readJsonObject(vocabPath, 'BPE vocabulary'), vocabPath);
    const merges = parseMerges(readText(mergesPath, 'BPE merges'), mergesPath);
    return ClipTokenizer.fromVocabAndMerges(vocab, merges, { ...options, source: options.source ?? `${vocabPath}, ${mergesPath}` });
  }

  /** From a vocabulary (token -> id) and merges in rank order, as transformers' CLIPConverter builds it. */
  static fromVocabAndMerges(vocab: Record<string, number>, merges: readonly (readonly [string, string])[], options: ClipTokenizerOptions = {}): ClipTokenizer {
    return new ClipTokenizer(new Tokenizer(clipTokenizerDescription(vocab, merges), {}), options);
  }

  /** From a parsed tokenizer.json (a BPE model; CLIP's carries end_of_word_suffix `</w>`). */
  static fromTokenizerJson(json: Record<string, unknown>, options: ClipTokenizerOptions = {}): ClipTokenizer {
    const source = options.source ?? 'tokenizer.json';
    return new ClipTokenizer(tokenizerFromJson(json, 'BPE', 'a CLIP tokenizer', source), { ...options, source });
  }

  /**
   * Rows of 77 ids padded with the checkpoint's pad id by default (pass `padId: 0` for openai
   * clip.tokenize's zeros). Example: `tok.encode(['a pink round polyp', ''])` gives rows starting
   * [49406, 320, 3360, 2522, 6833, 335, 49407, 49407, ...] and [49406, 49407, 49407, ...].
   */
  protected frame(): { start: number; end: number; pad: number; contextLength: number } {
    return { start: this.startId, end: this.endId, pad: this.padId, contextLength: CLIP_CONTEXT_LENGTH };
  }
}

/**
 * The tokenizer.json description transformers' CLIPConverter writes for a vocab.json + merges.txt
 * pair (no post-processor: start and end are added by ClipTokenizer itself).
 */
export function clipTokenizerDescription(vocab: Record<string, number>, merges: readonly (readonly [string, string])[]): Record<string, unknown> {
  const special = (content: string) => ({ id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [CLIP_START_TOKEN, CLIP_END_TOKEN].filter((t) => vocab[t] !== undefined).map(special),
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: CLIP_SPLIT_PATTERN }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: CLIP_END_TOKEN,
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: merges.map(([a, b]) => [a, b]),
    },
  };
}

function parseVocabJson(json: Record<string, unknown>, path: string): Record<string, number> {
  for (const [token, id] of Object.entries(json)) {
    if (!Number.isInteger(id) || (id as number) < 0) {
      throw new CheckpointError(`${path}: the id of ${JSON.stringify(token)} must be a non-negative integer, got ${JSON.stringify(id)}`, path, token);
    }
  }
  return json as Record<string, number>;
}

/** merges.txt: an optional `#version` line, then one "left right" pair per line in rank order. */
function parseMerges(text: string, path: string): [string, string][] {
  const merges: [string, string][] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.length === 0 || (i === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new CheckpointError(`${path}, line ${i + 1}: a merge must be two symbols separated by one space, got ${JSON.stringify(line)}`, path);
    }
    merges.push([parts[0], parts[1]]);
  });
  return merges;
}
