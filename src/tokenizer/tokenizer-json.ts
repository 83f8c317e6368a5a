/**
 * `tokenizer.json`, the Hugging Face tokenizers format that transformers.js reads (it never reads
 * vocab.txt). We write the BERT pipeline this package implements and read back only that pipeline:
 *
 *   normalizer      {type: "BertNormalizer", clean_text: true, handle_chinese_chars: true,
 *                    strip_accents: null | <lowercase>, lowercase}
 *   pre_tokenizer   {type: "BertPreTokenizer"}
 *   model           {type: "WordPiece", vocab: {token: id}, unk_token, continuing_subword_prefix: "##",
 *                    max_input_chars_per_word}
 *   post_processor  TemplateProcessing: single "[CLS] $A [SEP]", pair "[CLS] $A [SEP] $B:1 [SEP]:1"
 *   added_tokens    the special tokens present in the vocabulary (special: true, normalized: false)
 *   truncation, padding  null (the caller truncates and pads, as task_distill.py does)
 *
 * Reading refuses anything our tokenizer would compute differently (another model or normalizer
 * type, clean_text or handle_chinese_chars off, strip_accents differing from lowercase, another
 * subword prefix) with a DataError naming the field, instead of silently tokenizing otherwise.
 * The vocabulary's ids must be exactly 0..n-1, as in a vocab.txt.
 */
import { DataError, show } from '../errors.js';

/** The special tokens of a BERT vocabulary, by their special_tokens_map.json key. */
export const SPECIAL_TOKENS = {
  unk_token: '[UNK]',
  sep_token: '[SEP]',
  pad_token: '[PAD]',
  cls_token: '[CLS]',
  mask_token: '[MASK]',
} as const;

/** What a tokenizer.json tells BertTokenizer: the vocabulary and the options that differ per file. */
export interface TokenizerJsonSettings {
  /** Token of id i at index i. */
  tokens: string[];
  doLowerCase: boolean;
  unkToken: string;
  maxInputCharsPerWord: number;
}

export interface TokenizerJsonOptions {
  doLowerCase: boolean;
  /** Words longer than this (code points) become the unknown token (the reference: 100). */
  maxInputCharsPerWord?: number;
}

/** The tokenizer.json object for a vocabulary (token i has id i). */
export function tokenizerJson(tokens: readonly string[], opts: TokenizerJsonOptions): Record<string, unknown> {
  const ids = new Map(tokens.map((t, i) => [t, i]));
  const special = Object.values(SPECIAL_TOKENS).filter((t) => ids.has(t));
  const cls = ids.get(SPECIAL_TOKENS.cls_token);
  const sep = ids.get(SPECIAL_TOKENS.sep_token);
  const piece = (kind: 'SpecialToken' | 'Sequence', id: string, typeId: number) => ({ [kind]: { id, type_id: typeId } });
  const postProcessor = cls === undefined || sep === undefined ? null : {
    type: 'TemplateProcessing',
    single: [piece('SpecialToken', '[CLS]', 0), piece('Sequence', 'A', 0), piece('SpecialToken', '[SEP]', 0)],
    pair: [
      piece('SpecialToken', '[CLS]', 0), piece('Sequence', 'A', 0), piece('SpecialToken', '[SEP]', 0),
      piece('Sequence', 'B', 1), piece('SpecialToken', '[SEP]', 1),
    ],
    special_tokens: {
      '[CLS]': { id: '[CLS]', ids: [cls], tokens: ['[CLS]'] },
      '[SEP]': { id: '[SEP]', ids: [sep], tokens: ['[SEP]'] },
    },
  };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special
      .map((t) => ({ id: ids.get(t), content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }))
      .sort((a, b) => (a.id ?? 0) - (b.id ?? 0)),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: opts.doLowerCase,
      lowercase: opts.doLowerCase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: postProcessor,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: SPECIAL_TOKENS.unk_token,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: opts.maxInputCharsPerWord ?? 100,
      vocab: Object.fromEntries(tokens.map((t, i) => [t, i])),
    },
  };
}

/** special_tokens_map.json: the special tokens present in the vocabulary. */
export function specialTokensMap(tokens: readonly string[]): Record<string, string> {
  const present = new Set(tokens);
  return Object.fromEntries(Object.entries(SPECIAL_TOKENS).filter(([, t]) => present.has(t)));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads the settings of a tokenizer.json's text; DataError naming `source` and the field otherwise. */
export function parseTokenizerJson(text: string, source: string): TokenizerJsonSettings {
  const fail = (field: string, seen: unknown, expected: string): never => {
    throw new DataError(`${source}: ${field} is ${show(seen)}; expected ${expected}`);
  };
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new DataError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(root)) return fail('the top level', root, 'a JSON object (a Hugging Face tokenizer.json)');

  const model = root.model;
  if (!isObject(model)) return fail('model', model, 'an object with type "WordPiece"');
  if (model.type !== 'WordPiece') fail('model.type', model.type, '"WordPiece" (BERT); other tokenizer models are not supported');
  const prefix = model.continuing_subword_prefix ?? '##';
  if (prefix !== '##') fail('model.continuing_subword_prefix', prefix, '"##"');
  const unkToken = model.unk_token ?? SPECIAL_TOKENS.unk_token;
  if (typeof unkToken !== 'string') fail('model.unk_token', unkToken, 'a string');
  const maxChars = model.max_input_chars_per_word ?? 100;
  if (!Number.isInteger(maxChars) || (maxChars as number) < 1) fail('model.max_input_chars_per_word', maxChars, 'a positive integer');
  const tokens = vocabTokens(model.vocab, fail);

  const norm = root.normalizer;
  if (!isObject(norm)) return fail('normalizer', norm, 'an object with type "BertNormalizer"');
  if (norm.type !== 'BertNormalizer') fail('normalizer.type', norm.type, '"BertNormalizer"');
  for (const field of ['clean_text', 'handle_chinese_chars'] as const) {
    if ((norm[field] ?? true) !== true) fail(`normalizer.${field}`, norm[field], 'true (the BERT tokenizer always does this)');
  }
  const lowercase = norm.lowercase ?? true;
  if (typeof lowercase !== 'boolean') fail('normalizer.lowercase', lowercase, 'true or false');
  // Hugging Face: strip_accents null follows lowercase; the reference BasicTokenizer ties them.
  const strip = norm.strip_accents ?? lowercase;
  if (strip !== lowercase) fail('normalizer.strip_accents', norm.strip_accents, `null or ${lowercase} (the same as normalizer.lowercase)`);

  const pre = root.pre_tokenizer;
  if (!isObject(pre) || pre.type !== 'BertPreTokenizer') fail('pre_tokenizer.type', isObject(pre) ? pre.type : pre, '"BertPreTokenizer"');
  return { tokens, doLowerCase: lowercase as boolean, unkToken: unkToken as string, maxInputCharsPerWord: maxChars as number };
}

/** model.vocab {token: id} as the token list of ids 0..n-1. */
function vocabTokens(vocab: unknown, fail: (field: string, seen: unknown, expected: string) => never): string[] {
  if (!isObject(vocab)) return fail('model.vocab', vocab, 'an object mapping each token to its id');
  const entries = Object.entries(vocab);
  if (entries.length === 0) fail('model.vocab', vocab, 'at least one token');
  const tokens: string[] = new Array<string>(entries.length);
  for (const [token, id] of entries) {
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= entries.length) {
      fail(`model.vocab[${JSON.stringify(token)}]`, id, `an id in 0..${entries.length - 1} (ids must be 0..n-1, as the lines of a vocab.txt)`);
    }
    const i = id as number;
    if (tokens[i] !== undefined) fail(`model.vocab[${JSON.stringify(token)}]`, id, `an id of its own (${JSON.stringify(tokens[i])} has it too)`);
    tokens[i] = token;
  }
  return tokens;
}
