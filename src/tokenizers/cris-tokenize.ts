// CRIS's tokenization conventions over the CLIP BPE tokenizer.
//
// CRIS (DerrickWang005/CRIS.pytorch utils/dataset.py `tokenize`, and the medvlsm fork of it that the
// published CRIS numbers come from) uses openai's SimpleTokenizer: [SOT] text [EOT], padded with 0 to
// `word_len` (17 in the endoscopy/ISIC configs, 22 in RefCOCO's, 77 in CAMUS/BUSI), and with
// truncate=True a long text keeps SOT, its first word_len - 2 tokens and EOT written over the last
// position. The model then masks the decoder's cross-attention with `pad_mask = input_ids == 0`
// (model/segmenter.py), so padding must be 0 for the mask to mean anything.
//
// The medvlsm HEAD wrapper (naamiinepal/medvlsm src/models/cris_model/segmenter.py, with the HF
// CLIPTokenizer of CIDAS/clipseg-rd64-refined, max_length 77, padding "max_length") differs:
// - rows are always 77 long, whatever word_len the configs name;
// - they are padded with that tokenizer's pad token, <|endoftext|> = 49407, not 0, so the same
//   `input_ids == 0` test masks nothing: the cross-attention attends to every pad position, whose word
//   features are those of extra EOT tokens. The sentence state is unaffected (encode_text takes
//   argmax(ids), the first 49407, i.e. the real EOT), but the decoder output is not the zero-padded one.
// - id 0 is also a real token, "!" not ending a word and not merged ("100!%" gives "!" then "%</w>"):
//   under either convention it is masked out as if it were padding. That is the reference's
//   behaviour and is kept.
// `convention: 'cris'` reproduces the former (fixtures/cris-tiny), `convention: 'medvlsm-hf'` the latter.

import { ConfigError } from '../errors.js';
import { CLIP_CONTEXT_LENGTH, type ClipTokenizer } from './clip-bpe.js';
import { asTextList } from './encoding.js';

/** CRIS's pad id: the mask `input_ids == 0` is how the model finds padding. */
export const CRIS_PAD_ID = 0;
export const CRIS_DEFAULT_WORD_LENGTH = 17;

export type CrisTokenizeConvention = 'cris' | 'medvlsm-hf';

export interface CrisTokenizeOptions {
  /** Row length for the 'cris' convention (17, 22 or 77 in the released configs). Default 17. */
  wordLength?: number;
  /** 'cris' (default): zero padding to wordLength. 'medvlsm-hf': the HF tokenizer's padding to 77. */
  convention?: CrisTokenizeConvention;
}

export interface CrisEncoding {
  inputIds: number[][];
  /** true where input_ids == 0: positions the decoder's cross-attention ignores. */
  padMask: boolean[][];
  /** 1 on SOT, the text and EOT, 0 on padding (not used by CRIS itself). */
  attentionMask: number[][];
}

/** Tokenizes prompts as CRIS's data loader (or medvlsm's HF wrapper) does. */
export function crisTokenize(tokenizer: ClipTokenizer, texts: string | readonly string[], options: CrisTokenizeOptions = {}): CrisEncoding {
  const op = 'crisTokenize';
  const convention = options.convention ?? 'cris';
  if (convention !== 'cris' && convention !== 'medvlsm-hf') {
    throw new ConfigError(`${op}: convention must be 'cris' or 'medvlsm-hf', got ${JSON.stringify(convention)}`, undefined, 'convention');
  }
  const wordLength = options.wordLength ?? CRIS_DEFAULT_WORD_LENGTH;
  if (!Number.isInteger(wordLength) || wordLength < 2 || wordLength > CLIP_CONTEXT_LENGTH) {
    throw new ConfigError(`${op}: wordLength must be an integer from 2 to ${CLIP_CONTEXT_LENGTH} (CRIS configs use 17, 22 or 77), got ${wordLength}`, undefined, 'word_len');
  }
  const list = asTextList(op, texts);
  const { inputIds, attentionMask } =
    convention === 'cris'
      ? tokenizer.encode(list, { contextLength: wordLength, padding: 'max_length', padId: CRIS_PAD_ID, truncation: true })
      : tokenizer.encode(list, { contextLength: CLIP_CONTEXT_LENGTH, padding: 'max_length', truncation: true });
  const padMask = inputIds.map((row) => row.map((id) => id === CRIS_PAD_ID));
  return { inputIds, padMask, attentionMask };
}
