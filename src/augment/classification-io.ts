/**
 * Single-sentence and pair classification files (tsv / csv / jsonl) for augmentation: rows are
 * written back as they were read, with only the text cells rewritten (a header row kept; csv quoted
 * where RFC 4180 needs it; a JSON array written as JSON lines). Columns resolve as `tinybert eval`
 * resolves them without a recipe. The label column is read only for the guard and --skip-labels.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { DataError, show } from '../errors.js';
import { formatFromPath, readLines, readRows, RECIPE_NAMES, type Column, type DataFormat, type Row, type SettingNames } from '../data/index.js';
import type { Dataset, Item } from './dataset.js';
import { applyEdits, type Edit } from './rewrite.js';

export interface ClassificationFileOptions {
  /** Default: from the extension, else tsv. */
  format?: DataFormat;
  header: boolean;
  textA?: Column;
  textB?: Column;
  label?: Column;
  /** Class names in class-id order, when the guard needs each row's class. */
  labels?: string[];
  skipLabels: string[];
  labelAliases: Record<string, string>;
  names?: SettingNames;
}

export async function classificationDataset(file: string, opts: ClassificationFileOptions): Promise<Dataset> {
  const format = opts.format ?? formatFromPath(file) ?? 'tsv';
  const names = opts.names ?? RECIPE_NAMES;
  const source = await recordSource(file, format);
  const named = format === 'jsonl' || opts.header;
  const headerCells = format !== 'jsonl' && opts.header ? (source.first[0]?.cells as string[] | undefined) : undefined;
  const skipHeader = headerCells ? 1 : 0;
  const first = source.first[skipHeader]?.cells;
  const pairLayout = named
    ? first !== undefined && (Array.isArray(first) ? (headerCells ?? []).includes('text_b') : 'text_b' in first)
    : opts.textA === undefined && opts.label === undefined && Array.isArray(first) && first.length === 3;
  const textB = opts.textB ?? (pairLayout ? (named ? 'text_b' : 1) : undefined);
  const textColumns: Column[] = [opts.textA ?? (named ? 'text_a' : 0), ...(textB !== undefined ? [textB] : [])];
  const labelColumn: Column = opts.label ?? (named ? 'label' : textB !== undefined ? 2 : 1);
  const needLabel = opts.labels !== undefined || opts.skipLabels.length > 0;

  const field = (col: Column, what: string): ((row: Row) => string) => {
    if (format === 'jsonl') {
      return (row) => {
        const obj = row.cells as Record<string, unknown>;
        const v = obj[String(col)];
        if (typeof v === 'string') return v;
        if (typeof v === 'number') return String(v);
        throw new DataError(`${row.source}: no text under key "${col}" (${what}); keys: ${Object.keys(obj).join(', ')}`);
      };
    }
    const index = typeof col === 'number' ? col : (headerCells ?? []).indexOf(col);
    if (index < 0) throw new DataError(`${file}:1: ${headerCells ? `the header has no column "${col}"` : `column "${col}" needs a header row; ${names.setHeader}`} (${what}); header: ${show(headerCells ?? [])}`);
    return (row) => {
      const cells = row.cells as string[];
      if (index >= cells.length) throw new DataError(`${row.source}: ${cells.length} columns, but ${what} is column ${index}`);
      return cells[index]!;
    };
  };
  const fieldNames = ['text_a', 'text_b'] as const;
  const getters = textColumns.map((c, i) => field(c, names.column(fieldNames[i]!)));
  const getLabel = needLabel ? field(labelColumn, names.column('label')) : undefined;
  const setters = textColumns.map((c) => (cells: Row['cells'], v: string) => {
    if (Array.isArray(cells)) cells[typeof c === 'number' ? c : headerCells!.indexOf(c)] = v;
    else cells[String(c)] = v;
  });
  const serialise = (cells: Row['cells']) =>
    format === 'jsonl' ? JSON.stringify(cells) : format === 'csv' ? (cells as string[]).map(csvField).join(',') : (cells as string[]).join('\t');

  const labelIndex = new Map((opts.labels ?? []).map((l, i) => [l, i]));
  const skip = new Set(opts.skipLabels);
  const item = (row: Row): Item => {
    const texts = getters.map((g) => g(row));
    const out: Item = {
      source: row.source,
      texts,
      eligible: () => true,
      render: (edits: Edit[][]) => {
        const cells = Array.isArray(row.cells) ? [...row.cells] : { ...row.cells };
        edits.forEach((e, t) => e.length && setters[t]!(cells, applyEdits(texts[t]!, e)));
        return `${serialise(cells)}\n`;
      },
    };
    if (getLabel) {
      const raw = getLabel(row).trim();
      if (skip.has(raw)) out.passThrough = true;
      else if (opts.labels) {
        const index = labelIndex.get(opts.labelAliases[raw] ?? raw);
        if (index === undefined) throw new DataError(`${row.source}: label ${show(raw)} is not one of ${show(opts.labels)} (${names.labels})`);
        out.label = index;
      }
    }
    return out;
  };
  return {
    count: source.count - skipHeader,
    items: async (from, to) => (await source.rows(from + skipHeader, to + skipHeader)).map(item),
    head: headerCells ? `${serialise(headerCells)}\n` : '',
    tail: '',
  };
}

/** The records of a file, read a slice at a time; `first` holds the first two (header, first row). */
interface RecordSource {
  count: number;
  first: Row[];
  rows(from: number, to: number): Promise<Row[]>;
}

/**
 * tsv and JSON-lines files are indexed in one streamed pass (the byte offset and line number of
 * each record) and read a chunk at a time, so memory does not grow with the file. csv (quoted
 * fields may span lines) and a JSON array are read whole.
 */
async function recordSource(file: string, format: DataFormat): Promise<RecordSource> {
  if (format === 'csv' || (format === 'jsonl' && startsWithBracket(file))) {
    const all = readRows(file, format);
    return { count: all.length, first: all.slice(0, 2), rows: async (from, to) => all.slice(from, to) };
  }
  const parse = (text: string, line: number): Row | undefined => {
    const source = `${file}:${line}`;
    if (format === 'tsv') return text.length > 0 ? { cells: text.split('\t'), source } : undefined;
    if (text.trim() === '') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new DataError(`${source}: not a JSON object (${(e as Error).message}): ${show(text.trim(), 60)}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new DataError(`${source}: expected a JSON object with the task's keys, saw ${show(value, 60)}`);
    }
    return { cells: value as Record<string, unknown>, source };
  };
  const offsets: number[] = [];
  const lines: number[] = [];
  const first: Row[] = [];
  try {
    for await (const l of readLines(file)) {
      const row = parse(l.text, l.line);
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
        const row = parse(l.text, l.line);
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

/** RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled. */
function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
