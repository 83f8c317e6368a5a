/**
 * Tokenizer: the reference BERT BasicTokenizer + WordPiece, token for token, with offsets.
 *
 * Own pipeline, not `@huggingface/tokenizers` (0.2.0, pure JS): its `encode` returns no offsets,
 * and configured as a BERT tokenizer (BertNormalizer, BertPreTokenizer, WordPiece) it differs from
 * the golden file on 3 of 1954 lines: CJK Extension B ideographs, non-characters (U+FFFF,
 * U+10FFFF) and special tokens inside a word ("a[SEP]b"). The parts here follow the same split
 * (pre-tokenizer, normalizer, WordPiece model, post-processor), match every golden line, pin the
 * reference's Unicode 14 character classes (unicode14.ts) and keep offsets into the original text.
 */
export { Vocab } from './vocab.js';
export { parseTokenizerJson, specialTokensMap, tokenizerJson, SPECIAL_TOKENS, type TokenizerJsonSettings } from './tokenizer-json.js';
export { BertTokenizer, DEFAULT_NEVER_SPLIT, type TokenizerOptions } from './bert-tokenizer.js';
export { truncateSeqPair, type EncodeOptions, type Encoding } from './post-processor.js';
export { tokenizeText, type TokenizeTextArgs } from './tokenize-command.js';
