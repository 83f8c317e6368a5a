/**
 * A WordPiece vocabulary: `vocab.txt`, one token per line, id = line number (0-based), or the
 * `model.vocab` of a Hugging Face `tokenizer.json` (tokenizer-json.ts).
 *
 * Read as the reference `load_vocab` does: Python text mode (`open(path, "r", encoding="utf-8")`,
 * so universal newlines: a line ends at \n, \r\n or \r, but NOT at U+2028/U+0085), then `strip()`
 * each line with Python's whitespace. Hence, in the Chinese BERT vocab, line 344 (U+2028) becomes
 * the empty token "" and `##` + U+2028 becomes "##". A byte-order mark is kept (utf-8, not
 * utf-8-sig). A token that occurs twice is refused: the reference dict silently maps it to the later
 * line, leaving the earlier id unreachable and changing outputs (no released Chinese BERT / NEZHA /
 * TinyBERT vocab has one). `size` counts lines, which is the id space the embedding table must cover.
 */
import { readFileSync, statSync } from 'node:fs';
import { DataError, show } from '../errors.js';
import { pyStrip } from './chars.js';
import { parseTokenizerJson, type TokenizerJsonSettings } from './tokenizer-json.js';

export class Vocab {
  private readonly byId: readonly string[];
  private readonly ids: ReadonlyMap<string, number>;

  /** `where(id)` names a token's position in a DataError, e.g. "vocabulary file F, line 3". */
  private constructor(tokens: string[], source: string, where: (id: number) => string) {
    this.byId = tokens;
    const ids = new Map<string, number>();
    tokens.forEach((t, i) => {
      const first = ids.get(t);
      if (first !== undefined) {
        throw new DataError(`${source}: token ${show(t)} at ${where(i)} duplicates ${where(first)}; each token must occur once`);
      }
      ids.set(t, i);
    });
    this.ids = ids;
  }

  /**
   * Reads a `vocab.txt`, or the WordPiece vocabulary of a `tokenizer.json` (a path ending in .json);
   * DataError naming the file if it is missing, unreadable, not UTF-8, empty or has a duplicate.
   */
  static fromFile(path: string): Vocab {
    if (isTokenizerJson(path)) return Vocab.fromTokenizerJson(path).vocab;
    const tokens = splitPythonLines(readVocabText(path)).map(pyStrip);
    if (tokens.length === 0) {
      throw new DataError(`vocabulary file ${path} is empty; expected one token per line`);
    }
    return new Vocab(tokens, `vocabulary file ${path}`, (i) => `line ${i + 1}`);
  }

  /** A tokenizer.json's vocabulary and the tokenizer settings it states (see tokenizer-json.ts). */
  static fromTokenizerJson(path: string): { vocab: Vocab; settings: TokenizerJsonSettings } {
    const settings = parseTokenizerJson(readVocabText(path), `tokenizer file ${path}`);
    return { vocab: new Vocab(settings.tokens, `tokenizer file ${path}`, (i) => `id ${i}`), settings };
  }

  /** A vocabulary whose token i has id i (tokens are used as given, not stripped). */
  static fromTokens(tokens: string[]): Vocab {
    if (tokens.length === 0) throw new DataError('vocabulary is empty; expected at least one token');
    return new Vocab([...tokens], 'vocabulary', (i) => `id ${i}`);
  }

  /** Number of ids (lines), including the empty token. */
  get size(): number {
    return this.byId.length;
  }

  id(token: string): number | undefined {
    return this.ids.get(token);
  }

  token(id: number): string {
    const t = this.byId[id];
    if (!Number.isInteger(id) || t === undefined) {
      throw new DataError(`token id ${show(id)} is outside the vocabulary (ids 0..${this.byId.length - 1})`);
    }
    return t;
  }

  tokens(): string[] {
    return [...this.byId];
  }
}

/** A tokenizer.json rather than a vocab.txt: told apart by the extension, as Hugging Face names them. */
export function isTokenizerJson(path: string): boolean {
  return path.toLowerCase().endsWith('.json');
}

/** The text of a vocabulary file; DataError naming the file if it is missing, unreadable or not UTF-8. */
function readVocabText(path: string): string {
  let bytes: Buffer;
  try {
    if (statSync(path).isDirectory()) {
      throw new DataError(`vocabulary file ${path} is a directory; expected a vocab.txt or tokenizer.json file`);
    }
    bytes = readFileSync(path);
  } catch (err) {
    if (err instanceof DataError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`;
    throw new DataError(`vocabulary file ${path} ${why}`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new DataError(`vocabulary file ${path} is not valid UTF-8`);
  }
}

/** Lines as Python's universal-newline `readline()` yields them, without their terminators. */
function splitPythonLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
