/**
 * Records from the three tabular formats, each with the 1-based line it starts on:
 *
 *   tsv    one record per line, fields split on every tab, no quoting (CLUE files contain bare
 *          quotes that must stay text); a trailing \r is dropped.
 *   csv    RFC 4180: comma-separated, fields may be quoted with ", a quote inside a quoted field
 *          is doubled (""), quoted fields may span lines; CRLF or LF line ends.
 *   jsonl  one JSON object per line; a file whose first character is [ is read as one JSON array.
 *
 * Blank lines between records are skipped. A UTF-8 byte-order mark is ignored.
 */
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { DataError, show } from '../errors.js';
import type { DataFormat } from './format.js';

export interface Row {
  /** Cells of a tsv/csv record, or the object of a JSON record. */
  cells: string[] | Record<string, unknown>;
  /** `file:line` (or `file[i]` for an item of a JSON array). */
  source: string;
}

/** Where data warnings go: stderr, unless a caller (a run writing its log) takes them. */
let warningSink: (message: string) => void = (message) => {
  process.stderr.write(`tinybert: warning: ${message}\n`);
};
const warnedInvalidUtf8 = new Set<string>();

/** Sends data warnings to `sink` instead of stderr; returns the previous sink (to restore it). */
export function setDataWarningSink(sink: (message: string) => void): (message: string) => void {
  const previous = warningSink;
  warningSink = sink;
  return previous;
}

/** A data warning (input repaired or left out, never silently): to stderr, or to the run log while a run takes them. */
export function warnData(message: string): void {
  warningSink(message);
}

/**
 * Invalid UTF-8 is decoded as U+FFFD (a GBK file becomes a wall of replacement characters, which
 * still tokenize): not an error, but said once per file with the first line where it happens.
 */
export function warnInvalidUtf8(file: string, line: number): void {
  if (warnedInvalidUtf8.has(file)) return;
  warnedInvalidUtf8.add(file);
  warningSink(`${file}:${line}: invalid UTF-8, replaced by U+FFFD here and wherever else it occurs in this file (is it GBK or another encoding?)`);
}

/** 1-based line of the first invalid UTF-8 byte sequence (no multi-byte sequence contains \n). */
function firstInvalidLine(bytes: Buffer): number {
  let line = 1;
  for (let start = 0; start < bytes.length; line++) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl < 0 ? bytes.length : nl;
    if (!isUtf8(bytes.subarray(start, end))) return line;
    start = end + 1;
  }
  return line;
}

export function readText(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new DataError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!isUtf8(bytes)) warnInvalidUtf8(file, firstInvalidLine(bytes));
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function tsvRows(file: string, text: string): Row[] {
  const rows: Row[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const row = tsvRow(raw.endsWith('\r') ? raw.slice(0, -1) : raw, `${file}:${i + 1}`);
    if (row) rows.push(row);
  });
  return rows;
}

export function csvRows(file: string, text: string): Row[] {
  const rows: Row[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let start = 1;
  let i = 0;
  const endRecord = () => {
    cells.push(cell);
    // A record that is one empty cell is a blank line.
    if (!(cells.length === 1 && cells[0] === '')) rows.push({ cells, source: `${file}:${start}` });
    cells = [];
    cell = '';
  };
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"' && cell === '') {
      const open = line;
      i++;
      for (;;) {
        if (i >= text.length) throw new DataError(`${file}:${open}: quoted field is never closed (RFC 4180 CSV)`);
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (text[i] === '\n') line++;
        cell += text[i++];
      }
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && !(next === '\r' && text[i + 1] === '\n')) {
        throw new DataError(`${file}:${line}: expected "," or end of line after a closing quote, saw ${show(next)}`);
      }
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
      i++;
    } else if (ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) {
      endRecord();
      i += ch === '\r' ? 2 : 1;
      line++;
      start = line;
    } else {
      cell += ch;
      i++;
    }
  }
  if (cell !== '' || cells.length > 0) endRecord();
  return rows;
}

export function jsonlRows(file: string, text: string): Row[] {
  if (text.trimStart().startsWith('[')) {
    let items: unknown;
    try {
      items = JSON.parse(text);
    } catch (e) {
      throw new DataError(`${file}: not a JSON array (${(e as Error).message})`);
    }
    return (items as unknown[]).map((item, i) => ({ cells: asObject(item, `${file}[${i}]`), source: `${file}[${i}]` }));
  }
  const rows: Row[] = [];
  text.split('\n').forEach((line, i) => {
    const row = jsonlRow(line, `${file}:${i + 1}`);
    if (row) rows.push(row);
  });
  return rows;
}

/** The record of one tsv line (without its line end), or undefined for a blank line. */
export function tsvRow(line: string, source: string): Row | undefined {
  return line.length > 0 ? { cells: line.split('\t'), source } : undefined;
}

/** The record of one JSON line, or undefined for a blank line. */
export function jsonlRow(raw: string, source: string): Row | undefined {
  const line = raw.trim();
  if (!line) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw new DataError(`${source}: not a JSON object (${(e as Error).message}): ${show(line, 60)}`);
  }
  return { cells: asObject(value, source), source };
}

function asObject(value: unknown, source: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new DataError(`${source}: expected a JSON object with the task's keys, saw ${show(value, 60)}`);
  }
  return value as Record<string, unknown>;
}

/** Every record of `file` in `format`. */
export function readRows(file: string, format: DataFormat): Row[] {
  const text = readText(file);
  switch (format) {
    case 'tsv':
      return tsvRows(file, text);
    case 'csv':
      return csvRows(file, text);
    case 'jsonl':
      return jsonlRows(file, text);
  }
}
