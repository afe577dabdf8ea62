// Text -> ids: CLIP byte-level BPE (CLIP, CLIPSeg, CRIS) and BERT WordPiece (BiomedCLIP).
export { type EncodeOptions, type TokenizerEncoding } from './encoding.js';
export {
  ClipTokenizer,
  clipTokenizerDescription,
  bundledClipVocabularyDir,
  CLIP_START_TOKEN,
  CLIP_END_TOKEN,
  CLIP_DEFAULT_PAD_TOKEN,
  CLIP_CONTEXT_LENGTH,
  type ClipTokenizerOptions,
} from './clip-bpe.js';
export {
  crisTokenize,
  CRIS_PAD_ID,
  CRIS_DEFAULT_WORD_LENGTH,
  type CrisEncoding,
  type CrisTokenizeOptions,
  type CrisTokenizeConvention,
} from './cris-tokenize.js';
export {
  WordPieceTokenizer,
  BIOMEDCLIP_CONTEXT_LENGTH,
  BERT_SPECIAL_TOKENS,
  type WordPieceOptions,
  type WordPieceVocabOptions,
  type WordPieceSpecialTokens,
} from './wordpiece.js';
export { toTensors, idsToTensor } from './tensors.js';
