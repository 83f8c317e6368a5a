/**
 * Readers for labelled token sequences. Each returns sentences of (token, tag) pairs with the text
 * they spell and where every token sits in it, so predictions map back to character offsets.
 *
 *   conll  one token per line, columns separated by spaces or tabs: the token first, the tag in
 *          `tagColumn` (default the last); a blank line ends a sentence; `-DOCSTART-` lines are
 *          skipped (pd_ner/conll_format, msra_ner, ner_weibo's *.all.bmes).
 *   jsonl  one object per line, `{"text": [tokens], "label": [tags]}` (ner_resume/*.json) or
 *          `{"text": "string", "label": [tags]}` with one tag per character (code point).
 *   ernie  TSV with the header `text_a<TAB>label`; tokens and tags joined by \x02
 *          (pd_ner/ernie_format).
 *   bmes   one sentence per line: tokens separated by spaces, a tab, tags separated by spaces
 *          (ner_resume's *.char.bmes).
 *
 * Only ASCII spaces and tabs separate columns: U+3000 and other Unicode spaces are tokens in
 * Chinese data. Every malformed line is a DataError naming file:line, what was seen and expected.
 */
import { z } from 'zod';
import { DataError, show } from '../../errors.js';
import { jsonlRows, readText } from '../../data/rows.js';
import { parseTagAt } from './tags.js';
import { charTokens } from './text.js';

export { charTokens };

export const nerFormatSchema = z
  .enum(['conll', 'jsonl', 'ernie', 'bmes'])
  .describe('conll: token and tag per line; jsonl: {"text", "label"} objects; ernie: \\x02-joined TSV; bmes: spaced tokens TAB spaced tags per line');
export type NerFormat = z.infer<typeof nerFormatSchema>;

/** One labelled sentence. `spans[i]` is the [start, end) of `tokens[i]` in `text` (UTF-16 units). */
export interface Sentence {
  tokens: string[];
  tags: string[];
  text: string;
  spans: [number, number][];
  /** `file:line` where the sentence starts. */
  source: string;
}

export interface ReadOptions {
  /** conll: 0-based column of the tag; negative counts from the end (default -1, the last). */
  tagColumn?: number;
  /** When given, a tag outside this list is a DataError. */
  labels?: readonly string[];
}

/** File extensions whose format is unambiguous for labelled token data. */
const EXTENSIONS: [RegExp, NerFormat][] = [
  [/\.char\.bmes$/i, 'bmes'],
  [/\.bmes$/i, 'conll'],
  [/\.jsonl?$/i, 'jsonl'],
  [/\.tsv$/i, 'ernie'],
  [/\.(conll|dev|train|test|txt)$/i, 'conll'],
];

/** The format implied by a file name, if any. */
export function nerFormatFromPath(file: string): NerFormat | undefined {
  return EXTENSIONS.find(([re]) => re.test(file))?.[1];
}

/** The text a token list spells: joined without spaces when every token is one character (Chinese), else with one space. */
export function joinTokens(tokens: readonly string[]): { text: string; spans: [number, number][] } {
  const sep = tokens.every((t) => [...t].length === 1) ? '' : ' ';
  const spans: [number, number][] = [];
  let at = 0;
  for (const t of tokens) {
    spans.push([at, at + t.length]);
    at += t.length + sep.length;
  }
  return { text: tokens.join(sep), spans };
}

/** `at(i)` names token i's place in messages (its own line in conll, the token's index elsewhere). */
function sentence(tokens: string[], tags: string[], source: string, opts: ReadOptions, at = (i: number) => `${source}: token ${i + 1}`): Sentence {
  if (tokens.length !== tags.length) {
    throw new DataError(`${source}: ${tokens.length} tokens but ${tags.length} tags; expected one tag per token`);
  }
  const labels = opts.labels && new Set(opts.labels);
  tags.forEach((tag, i) => {
    if (tokens[i] === '') throw new DataError(`${at(i)}: empty token; expected a non-empty token before tag ${show(tag)}`);
    parseTagAt(tag, at(i));
    if (labels && !labels.has(tag)) {
      throw new DataError(`${at(i)}: tag ${show(tag)} is not in the label list ${show(opts.labels, 120)}`);
    }
  });
  return { tokens, tags, ...joinTokens(tokens), source };
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** Blank by ASCII spaces and tabs only: a line holding U+3000 is a token, not a sentence break. */
const isBlank = (line: string) => /^[ \t]*$/.test(line);

/** conll: blank lines separate sentences; each line `token [columns…] tag`. */
export function conllSentences(file: string, text: string, opts: ReadOptions = {}): Sentence[] {
  const out: Sentence[] = [];
  const column = opts.tagColumn ?? -1;
  let tokens: string[] = [];
  let tags: string[] = [];
  let lineOf: number[] = [];
  const flush = () => {
    const at = lineOf;
    if (tokens.length) out.push(sentence(tokens, tags, `${file}:${at[0]}`, opts, (i) => `${file}:${at[i]}`));
    tokens = [];
    tags = [];
    lineOf = [];
  };
  lines(text).forEach((line, i) => {
    if (isBlank(line)) return flush();
    const cols = line.replace(/[ \t]+$/, '').split(/[ \t]+/);
    if (cols[0] === '-DOCSTART-') return flush();
    const at = column < 0 ? cols.length + column : column;
    if (cols.length < 2 || at < 1 || at >= cols.length) {
      throw new DataError(`${file}:${i + 1}: saw ${show(line, 60)}; expected a token and a tag (column ${column}) separated by spaces or tabs`);
    }
    tokens.push(cols[0]);
    tags.push(cols[at]);
    lineOf.push(i + 1);
  });
  flush();
  return out;
}

/** jsonl: `text` is a token list or a string (one token per code point); `label` a tag list. */
export function jsonlSentences(file: string, text: string, opts: ReadOptions = {}): Sentence[] {
  return jsonlRows(file, text).map(({ cells, source }) => {
    const obj = cells as Record<string, unknown>;
    const { text: t, label } = obj;
    if (!Array.isArray(label) || !label.every((x) => typeof x === 'string')) {
      throw new DataError(`${source}: "label" is ${show(label, 60)}; expected a list of tag strings`);
    }
    if (typeof t === 'string') {
      const chars = charTokens(t);
      return { ...sentence(chars.tokens, label, source, opts), text: t, spans: chars.spans };
    }
    if (!Array.isArray(t) || !t.every((x) => typeof x === 'string')) {
      throw new DataError(`${source}: "text" is ${show(t, 60)}; expected a string or a list of token strings`);
    }
    return sentence(t, label, source, opts);
  });
}

/** ernie: header `text_a<TAB>label`, then `tokens<TAB>tags` with \x02 between tokens and between tags. */
export function ernieSentences(file: string, text: string, opts: ReadOptions = {}): Sentence[] {
  const all = lines(text);
  const header = all[0]?.split('\t');
  const ti = header?.indexOf('text_a') ?? -1;
  const li = header?.indexOf('label') ?? -1;
  if (ti < 0 || li < 0) {
    throw new DataError(`${file}:1: header ${show(all[0], 60)}; expected the columns text_a and label separated by a tab`);
  }
  const out: Sentence[] = [];
  all.slice(1).forEach((line, i) => {
    const where = `${file}:${i + 2}`;
    if (isBlank(line)) return;
    const cells = line.split('\t');
    if (cells.length !== header!.length) {
      throw new DataError(`${where}: ${cells.length} tab-separated fields; expected ${header!.length} as in the header`);
    }
    out.push(sentence(cells[ti].split('\x02'), cells[li].split('\x02'), where, opts));
  });
  return out;
}

/** bmes: `t1 t2 … <TAB> tag1 tag2 …`, one sentence per line. */
export function bmesSentences(file: string, text: string, opts: ReadOptions = {}): Sentence[] {
  const out: Sentence[] = [];
  lines(text).forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    if (isBlank(line)) return;
    const cells = line.split('\t');
    if (cells.length !== 2) {
      throw new DataError(`${where}: ${cells.length} tab-separated fields; expected tokens and tags separated by one tab`);
    }
    out.push(sentence(cells[0].split(' '), cells[1].split(' '), where, opts));
  });
  return out;
}

const READERS: Record<NerFormat, (file: string, text: string, opts?: ReadOptions) => Sentence[]> = {
  conll: conllSentences,
  jsonl: jsonlSentences,
  ernie: ernieSentences,
  bmes: bmesSentences,
};

/** Every sentence of `file` in `format` (invalid UTF-8 and a byte-order mark handled as for other data). */
export function readSentences(file: string, format: NerFormat, opts: ReadOptions = {}): Sentence[] {
  return READERS[format](file, readText(file), opts);
}
