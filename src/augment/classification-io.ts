/**
 * Single-sentence and pair classification files (tsv / csv / jsonl) for augmentation. Rows are
 * read as the classification task reads them (src/tasks/classification, src/data/classification.ts):
 * the columns `tinybert eval` finds without a recipe, the header, skip_labels (a skipped row is
 * written once, not augmented), label_aliases and the label list (the guard's only; without one
 * the label column is read only for skip_labels). What is augment's own is writing each row back as
 * it was read, with only the text cells rewritten (a header row kept; csv quoted where RFC 4180
 * needs it; a JSON array written as JSON lines), and reading a slice at a time (src/data/row-index.ts).
 */
import { exampleReader, formatFromPath, indexRows, RECIPE_NAMES, type Column, type DataFormat, type Row, type SettingNames } from '../data/index.js';
import { fileColumns } from '../tasks/classification/files.js';
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
  const index = await indexRows(file, format);
  const columns = fileColumns(index.first, format, opts, true);
  const task = {
    type: columns.text_b === undefined ? ('single' as const) : ('pair' as const),
    format,
    header: opts.header,
    columns,
    labels: opts.labels,
    skip_labels: opts.skipLabels,
    label_aliases: opts.labelAliases,
  };
  const headerCells = format !== 'jsonl' && opts.header ? (index.first[0]?.cells as string[] | undefined) : undefined;
  const skipHeader = headerCells ? 1 : 0;
  // The label column is read for the guard and skip_labels only.
  const labelled = opts.labels !== undefined || opts.skipLabels.length > 0;
  const read = exampleReader(file, task, { header: headerCells, first: index.first[skipHeader] }, { labelled, names });

  const textColumns = [columns.text_a, ...(columns.text_b !== undefined ? [columns.text_b] : [])];
  const setters = textColumns.map((c) => (cells: Row['cells'], v: string) => {
    if (Array.isArray(cells)) cells[typeof c === 'number' ? c : headerCells!.indexOf(c)] = v;
    else cells[String(c)] = v;
  });
  const serialise = (cells: Row['cells']) =>
    format === 'jsonl' ? JSON.stringify(cells) : format === 'csv' ? (cells as string[]).map(csvField).join(',') : (cells as string[]).join('\t');

  const item = (row: Row): Item => {
    const example = read(row);
    const texts = example === undefined ? [] : [example.textA, ...(example.textB !== undefined ? [example.textB] : [])];
    return {
      source: row.source,
      texts,
      eligible: () => true,
      ...(example === undefined ? { passThrough: true } : opts.labels ? { label: example.label } : {}),
      render: (edits: Edit[][]) => {
        const cells = Array.isArray(row.cells) ? [...row.cells] : { ...row.cells };
        edits.forEach((e, t) => e.length && setters[t]!(cells, applyEdits(texts[t]!, e)));
        return `${serialise(cells)}\n`;
      },
    };
  };
  return {
    count: index.count - skipHeader,
    items: async (from, to) => (await index.rows(from + skipHeader, to + skipHeader)).map(item),
    head: headerCells ? `${serialise(headerCells)}\n` : '',
    tail: '',
  };
}

/** RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled. */
function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
