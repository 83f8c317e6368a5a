/**
 * Library side of `tinybert tokenize`: encode one text (or pair) with a vocab file, and render the
 * result as a table. The CLI module only parses arguments and prints.
 */
import { DataError, show } from '../errors.js';
import { BertTokenizer } from './bert-tokenizer.js';
import type { Encoding } from './post-processor.js';

export interface TokenizeTextArgs {
  /** Path of a `vocab.txt` or a `tokenizer.json`. */
  vocab: string;
  text: string;
  /** Second text of a pair (segment b). */
  pair?: string;
  /** Lower-case and strip accents (default: the tokenizer.json's setting, else true). */
  lowerCase?: boolean;
  /** Truncate as task_distill.py does; no padding. */
  maxLength?: number;
}

export async function tokenizeText(args: TokenizeTextArgs): Promise<Encoding> {
  if (args.maxLength !== undefined && (!Number.isInteger(args.maxLength) || args.maxLength < 1)) {
    throw new DataError(`max length must be a positive integer, got ${show(args.maxLength)}`);
  }
  const tokenizer = BertTokenizer.fromVocabFile(args.vocab, { doLowerCase: args.lowerCase });
  return tokenizer.encode(args.text, args.pair ?? null, { maxLength: args.maxLength });
}

/**
 * One row per token: position, id, token type, offsets, token, and the source text the offsets
 * point at. Variable-width columns come last, so CJK and emoji (two terminal cells) do not shift
 * the others.
 */
export function formatEncodingTable(enc: Encoding, texts: { a: string; b?: string }): string {
  const header = ['#', 'id', 'type', 'offsets', 'token', 'source'];
  const rows = enc.tokens.map((token, i) => {
    const off = enc.offsets[i];
    const seg = enc.segment[i];
    const text = seg === 1 ? texts.b ?? '' : texts.a;
    return [
      String(i),
      String(enc.inputIds[i]),
      String(enc.tokenTypeIds[i]),
      off ? `${seg === 1 ? 'b' : 'a'}:${off[0]}-${off[1]}` : '-',
      token,
      off ? JSON.stringify(text.slice(off[0], off[1])) : '',
    ];
  });
  const widths = header.slice(0, 4).map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) =>
    [...r.slice(0, 4).map((cell, c) => cell.padStart(widths[c])), r[4].padEnd(12), r[5]].join('  ').trimEnd();
  return [line(header), ...rows.map(line), `${enc.length} tokens`].join('\n') + '\n';
}
