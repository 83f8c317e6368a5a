/**
 * The records of a tsv/csv/jsonl file read a slice at a time, so a reader that goes through a large
 * file in order (augment) does not hold it: tsv and JSON-lines files are indexed in one streamed
 * pass (the byte offset and line number of each record) and each slice is read from its offset.
 * csv (quoted fields may span lines) and a JSON array are read whole. Records, sources and every
 * rejection are those of `readRows` (./rows.ts).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { DataError } from '../errors.js';
import { readLines } from './corpus.js';
import type { DataFormat } from './format.js';
import { jsonlRow, readRows, tsvRow, type Row } from './rows.js';

export interface RowIndex {
  /** Number of records. */
  count: number;
  /** The first two records (a header and the first row). */
  first: Row[];
  /** Records [from, to). */
  rows(from: number, to: number): Promise<Row[]>;
}

/** Indexes `file`; a malformed record anywhere is refused here, before a caller writes anything. */
export async function indexRows(file: string, format: DataFormat): Promise<RowIndex> {
  if (format === 'csv' || (format === 'jsonl' && startsWithBracket(file))) {
    const all = readRows(file, format);
    return { count: all.length, first: all.slice(0, 2), rows: async (from, to) => all.slice(from, to) };
  }
  const parse = format === 'tsv' ? tsvRow : jsonlRow;
  const offsets: number[] = [];
  const lines: number[] = [];
  const first: Row[] = [];
  try {
    for await (const l of readLines(file)) {
      const row = parse(l.text, `${file}:${l.line}`);
      if (!row) continue;
      if (first.length < 2) first.push(row);
      offsets.push(l.offset);
      lines.push(l.line);
    }
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return {
    count: offsets.length,
    first,
    rows: async (from, to) => {
      const out: Row[] = [];
      if (from >= to) return out;
      for await (const l of readLines(file, offsets[from], lines[from])) {
        const row = parse(l.text, `${file}:${l.line}`);
        if (row) out.push(row);
        if (out.length === to - from) break;
      }
      return out;
    },
  };
}

/** Whether the file's first non-blank character is [ (a JSON array rather than JSON lines). */
function startsWithBracket(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '').trimStart().startsWith('[');
  } finally {
    closeSync(fd);
  }
}
