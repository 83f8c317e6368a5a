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
import { readFileSync } from 'node:fs';
import { DataError, show } from '../errors.js';
import type { DataFormat } from './format.js';

export interface Row {
  /** Cells of a tsv/csv record, or the object of a JSON record. */
  cells: string[] | Record<string, unknown>;
  /** `file:line` (or `file[i]` for an item of a JSON array). */
  source: string;
}

export function readText(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DataError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function tsvRows(file: string, text: string): Row[] {
  const rows: Row[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length > 0) rows.push({ cells: line.split('\t'), source: `${file}:${i + 1}` });
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
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const source = `${file}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new DataError(`${source}: not a JSON object (${(e as Error).message}): ${show(line, 60)}`);
    }
    rows.push({ cells: asObject(value, source), source });
  });
  return rows;
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
