/**
 * BertTokenizer: the reference `transformer/tokenization.BertTokenizer` (BasicTokenizer, then
 * WordPiece on each word) with source offsets, plus `encode` for model inputs. The pipeline parts
 * live in their own files: pre-tokenizer.ts (cleaning, CJK, whitespace, punctuation, using
 * normalizer.ts for lower-casing and accent stripping), wordpiece.ts, post-processor.ts.
 */
import { DataError, show } from '../errors.js';
import { buildEncoding, type EncodeOptions, type Encoding, type PieceSequence } from './post-processor.js';
import { preTokenize, type PreTokenizerOptions } from './pre-tokenizer.js';
import { isTokenizerJson, Vocab } from './vocab.js';
import { type Pieces, WordPiece } from './wordpiece.js';

export interface TokenizerOptions {
  /** Lower-case and strip accents (default true: Chinese BERT / NEZHA vocabularies are uncased). */
  doLowerCase?: boolean;
  /** Token for words with no WordPiece split (default "[UNK]"). */
  unkToken?: string;
  /** Longer words (in code points) become the unknown token (default 100). */
  maxInputCharsPerWord?: number;
  /** Whole whitespace tokens kept as they are: not lower-cased, not split on punctuation. */
  neverSplit?: string[];
}

/** The reference BasicTokenizer's default `never_split`. */
export const DEFAULT_NEVER_SPLIT = ['[UNK]', '[SEP]', '[PAD]', '[CLS]', '[MASK]'];

export class BertTokenizer {
  readonly vocab: Vocab;
  private readonly basic: PreTokenizerOptions;
  private readonly wordPiece: WordPiece;
  private readonly unkToken: string;

  constructor(vocab: Vocab, opts: TokenizerOptions = {}) {
    const maxChars = opts.maxInputCharsPerWord ?? 100;
    if (!Number.isInteger(maxChars) || maxChars < 1) {
      throw new DataError(`maxInputCharsPerWord must be a positive integer, got ${show(maxChars)}`);
    }
    this.vocab = vocab;
    this.unkToken = opts.unkToken ?? '[UNK]';
    this.basic = {
      doLowerCase: opts.doLowerCase ?? true,
      neverSplit: new Set(opts.neverSplit ?? DEFAULT_NEVER_SPLIT),
    };
    this.wordPiece = new WordPiece(vocab, { unkToken: this.unkToken, maxInputCharsPerWord: maxChars });
  }

  /**
   * From a vocab.txt, or a tokenizer.json whose casing, unknown token and word length limit apply
   * unless `opts` sets them. DataError naming the file if it is missing, unreadable or empty.
   */
  static fromVocabFile(path: string, opts: TokenizerOptions = {}): BertTokenizer {
    if (!isTokenizerJson(path)) return new BertTokenizer(Vocab.fromFile(path), opts);
    const { vocab, settings } = Vocab.fromTokenizerJson(path);
    const { doLowerCase, unkToken, maxInputCharsPerWord } = settings;
    return new BertTokenizer(vocab, { doLowerCase, unkToken, maxInputCharsPerWord, ...definedOnly(opts) });
  }

  tokenize(text: string): string[] {
    return this.tokenizeWithOffsets(text).tokens;
  }

  /** Tokens with [start, end) offsets into `text` in UTF-16 code units (JS string indices). */
  tokenizeWithOffsets(text: string): { tokens: string[]; offsets: [number, number][] } {
    const out: Pieces = { tokens: [], offsets: [] };
    for (const word of preTokenize(text, this.basic)) this.wordPiece.tokenize(word, out);
    return out;
  }

  /** DataError for a token that is not in the vocabulary (the reference raises KeyError). */
  convertTokensToIds(tokens: string[]): number[] {
    return tokens.map((t) => {
      const id = this.vocab.id(t);
      if (id === undefined) throw new DataError(`token ${show(t)} is not in the vocabulary`);
      return id;
    });
  }

  convertIdsToTokens(ids: number[]): string[] {
    return ids.map((id) => this.vocab.token(id));
  }

  /** `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]`, truncated and padded as task_distill.py does. */
  encode(textA: string, textB?: string | null, opts?: EncodeOptions): Encoding {
    const a = this.pieces(textA);
    const b = textB ? this.pieces(textB) : null;
    const special = {
      cls: { token: '[CLS]', id: this.clsId },
      sep: { token: '[SEP]', id: this.sepId },
      padToken: this.vocab.token(0),
    };
    return buildEncoding(a, b, special, opts);
  }

  get clsId(): number {
    return this.special('[CLS]');
  }
  get sepId(): number {
    return this.special('[SEP]');
  }
  get padId(): number {
    return this.special('[PAD]');
  }
  get unkId(): number {
    return this.special(this.unkToken);
  }
  get maskId(): number {
    return this.special('[MASK]');
  }

  private pieces(text: string): PieceSequence {
    const { tokens, offsets } = this.tokenizeWithOffsets(text);
    return { tokens, ids: this.convertTokensToIds(tokens), offsets };
  }

  /** Special ids are looked up when used, so small test vocabularies need only what they use. */
  private special(token: string): number {
    const id = this.vocab.id(token);
    if (id === undefined) throw new DataError(`the vocabulary has no ${token} token`);
    return id;
  }
}

/** `opts` without its undefined fields, so they do not override a tokenizer.json's settings. */
function definedOnly(opts: TokenizerOptions): TokenizerOptions {
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as TokenizerOptions;
}
