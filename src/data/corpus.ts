/**
 * Plain-text corpora for general distillation, streamed: the file is read in 64 KiB chunks and
 * never held whole. Lines are split on bytes (not with readline, which hides whether a line ended
 * in \n or \r\n) so every line's byte offset is exact and a reader can seek straight back to it.
 *
 *   sentences   one sentence per line, a blank line between documents (BERT pre-training format)
 *   documents   one document per line
 *
 * Sentences are tokenized and packed greedily into sequences of at most max_seq_length - 2 pieces
 * (room for [CLS] and [SEP]) without crossing a document boundary; a sentence longer than that is
 * cut into full-length pieces. Each sequence carries the position where the *next* one starts
 * (byte offset and line of a line, and how many of its pieces were already used), so restoring
 * that position reproduces the rest of the stream exactly.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { DataError } from '../errors.js';
import { warnInvalidUtf8 } from './rows.js';

export const corpusPositionSchema = z
  .strictObject({
    offset: z.number().int().min(0).describe('byte offset of the line the next sequence starts in'),
    line: z.number().int().min(1).describe('1-based number of that line'),
    skip: z.number().int().min(0).describe('word pieces of that line already used by earlier sequences'),
  })
  .describe('where a corpus stream resumes');
export type CorpusPosition = z.infer<typeof corpusPositionSchema>;

export const CORPUS_START: CorpusPosition = { offset: 0, line: 1, skip: 0 };

export interface CorpusOptions {
  format: 'sentences' | 'documents';
  /** Sequence length including [CLS] and [SEP] (>= 3: the recipe schema checks it). */
  maxSeqLength: number;
  /** Text to word-piece ids without special tokens. */
  toIds: (text: string) => number[];
  /** Used instead of toIds when given: the ids and where words begin (whole-word and span masking). */
  wordPieces?: (text: string) => WordPieces;
}

/** Word-piece ids of a text and, per piece, 1 where a word begins (0 inside a word). */
export interface WordPieces {
  ids: number[];
  wordStarts: number[];
}

export interface CorpusSequence {
  /** Word-piece ids, at most maxSeqLength - 2, without [CLS]/[SEP]. */
  ids: number[];
  /** Per id, 1 where a word begins: present when the corpus has `wordPieces`. A cut mid-word starts with 0. */
  wordStarts?: number[];
  /** `file:line` of the line the sequence starts in. */
  source: string;
  /** Where the following sequence starts. */
  next: CorpusPosition;
}

interface Line {
  text: string;
  offset: number;
  /** Offset of the byte after this line's \n. */
  end: number;
  line: number;
}

const CHUNK = 1 << 16;
const NEWLINE = 0x0a;

/** Lines of `file` from byte `offset` (which must be the start of line number `line`). */
export async function* readLines(file: string, offset = 0, line = 1): AsyncGenerator<Line> {
  const decoder = new TextDecoder('utf-8');
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let start = offset;
  let checkUtf8 = true;
  const emit = (bytes: Buffer): Line => {
    if (checkUtf8 && !isUtf8(bytes)) {
      warnInvalidUtf8(file, line);
      checkUtf8 = false;
    }
    let text = decoder.decode(bytes);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (start === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { text, offset: start, end: start + bytes.length + 1, line };
  };
  const stream = createReadStream(file, { start: offset, highWaterMark: CHUNK });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let from = 0;
      for (let nl = chunk.indexOf(NEWLINE); nl >= 0; nl = chunk.indexOf(NEWLINE, from)) {
        const piece = chunk.subarray(from, nl);
        const bytes = pendingBytes ? Buffer.concat([...pending, piece]) : piece;
        const out = emit(bytes);
        pending = [];
        pendingBytes = 0;
        yield out;
        start = out.end;
        line++;
        from = nl + 1;
      }
      if (from < chunk.length) {
        // Copy: the stream may reuse its chunk buffer.
        pending.push(Buffer.from(chunk.subarray(from)));
        pendingBytes += chunk.length - from;
      }
    }
  } catch (e) {
    throw new DataError(`${file}: cannot read corpus (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    stream.destroy();
  }
  if (pendingBytes) {
    const out = emit(Buffer.concat(pending));
    yield { ...out, end: out.end - 1 };
  }
}

/** A streamed corpus; `sequences(from)` restarts anywhere a previous `next` pointed. */
export class Corpus {
  constructor(
    readonly path: string,
    readonly opts: CorpusOptions,
  ) {}

  /** Throws a DataError naming the file when it is missing or empty (stages call this when they start). */
  async check(): Promise<void> {
    const info = await stat(this.path).catch(() => undefined);
    if (!info?.isFile()) throw new DataError(`${this.path}: corpus file not found`);
    if (info.size === 0) throw new DataError(`${this.path}: corpus file is empty`);
  }

  async *sequences(from: CorpusPosition = CORPUS_START): AsyncGenerator<CorpusSequence> {
    const room = this.opts.maxSeqLength - 2;
    let current: Pieces = { ids: [] };
    let source = '';
    let first = true;
    let last: Line | undefined;
    const out = (p: Pieces, next: CorpusPosition): CorpusSequence => ({ ...p, source, next });
    for await (const ln of readLines(this.path, from.offset, from.line)) {
      last = ln;
      if (ln.text.trim() === '') {
        if (current.ids.length) yield out(current, { offset: ln.end, line: ln.line + 1, skip: 0 });
        current = { ids: [] };
        first = false;
        continue;
      }
      let used = first ? from.skip : 0;
      first = false;
      let rest = this.opts.wordPieces?.(ln.text) ?? { ids: this.opts.toIds(ln.text) };
      if (used) rest = slice(rest, used);
      if (current.ids.length + rest.ids.length <= room) {
        if (!current.ids.length) source = `${this.path}:${ln.line}`;
        current = concat(current, rest);
      } else {
        if (current.ids.length) yield out(current, { offset: ln.offset, line: ln.line, skip: used });
        source = `${this.path}:${ln.line}`;
        while (rest.ids.length > room) {
          used += room;
          yield out(slice(rest, 0, room), { offset: ln.offset, line: ln.line, skip: used });
          rest = slice(rest, room);
        }
        current = rest;
      }
      if (this.opts.format === 'documents' && current.ids.length) {
        yield out(current, { offset: ln.end, line: ln.line + 1, skip: 0 });
        current = { ids: [] };
      }
    }
    if (current.ids.length && last) yield out(current, { offset: last.end, line: last.line + 1, skip: 0 });
  }

  /** Sequences in one pass (tokenizes the whole corpus once; for step counts of epoch-based stages). */
  async count(): Promise<number> {
    // Word boundaries change no sequence: count without segmenting.
    const plain = new Corpus(this.path, { ...this.opts, wordPieces: undefined });
    let n = 0;
    for await (const _ of plain.sequences()) n++;
    return n;
  }
}

/** Ids with their word starts when known, sliced and joined together. */
type Pieces = Pick<CorpusSequence, 'ids' | 'wordStarts'>;

function slice(p: Pieces, from: number, to?: number): Pieces {
  return p.wordStarts ? { ids: p.ids.slice(from, to), wordStarts: p.wordStarts.slice(from, to) } : { ids: p.ids.slice(from, to) };
}

function concat(a: Pieces, b: Pieces): Pieces {
  if (!a.ids.length) return b;
  return b.wordStarts && a.wordStarts ? { ids: a.ids.concat(b.ids), wordStarts: a.wordStarts.concat(b.wordStarts) } : { ids: a.ids.concat(b.ids) };
}
