/**
 * Single-sentence and sentence-pair classification (and regression) examples from TSV, CSV or
 * JSONL, through the task's column mapping and label list. Every problem is a DataError naming
 * `file:line`, what was found and what was expected; the first problem stops the read, since a
 * wrong column mapping would otherwise produce thousands of identical messages.
 */
import { DataError, show } from '../errors.js';
import type { Column, TaskConfig } from './format.js';
import { readRows, type Row } from './rows.js';

export interface Example {
  textA: string;
  textB?: string;
  /** Index into the task's label list, or the target value for regression; NaN when the file is read unlabelled. */
  label: number;
  /** `file:line` the example came from. */
  source: string;
}

/** The task fields a reader needs (a resolved recipe task has them all). */
export type TaskFormat = Pick<TaskConfig, 'type' | 'format' | 'header' | 'columns' | 'labels' | 'skip_labels'> &
  Partial<Pick<TaskConfig, 'label_aliases'>>;

export interface ReadOptions {
  /** false for unlabelled files (CLUE test sets): the label column is not read and label is NaN. */
  labelled?: boolean;
  /** The task's name in the recipe, for messages. */
  taskName?: string;
  /** How the caller names the settings a message points at (default: the recipe's fields). */
  names?: SettingNames;
}

export type Field = 'text_a' | 'text_b' | 'label';

/**
 * Messages speak the caller's language: a recipe user sets `columns.text_b` and `header: true`, a
 * command-line user gives `--text-b` and `--header`.
 */
export interface SettingNames {
  /** The setting that maps a field to a column: `columns.text_b` / `--text-b`. */
  column(field: Field): string;
  /** How to say the first row is a header: `set header: true` / `give --header`. */
  setHeader: string;
  /** The label list: `labels` / `--labels`. */
  labels: string;
}

/** The recipe fields of task `name` (`tasks.name.columns.text_b`), or of any task. */
export function recipeNames(name?: string): SettingNames {
  const at = name === undefined ? '' : `tasks.${name}.`;
  return { column: (field) => `${at}columns.${field}`, setHeader: `set ${at}header: true`, labels: `${at}labels` };
}

export const RECIPE_NAMES: SettingNames = recipeNames();

/** Resolves each mapped column to a cell index (tsv/csv) using the header row when names are used. */
function columnIndices(file: string, task: TaskFormat, header: string[] | undefined, fields: Field[], names: SettingNames): Map<Field, number> {
  const out = new Map<Field, number>();
  for (const field of fields) {
    const col: Column | undefined = task.columns[field];
    if (col === undefined) continue;
    if (typeof col === 'number') out.set(field, col);
    else {
      const i = header?.indexOf(col) ?? -1;
      if (i < 0) {
        throw new DataError(`${file}:1: the header has no column "${col}" (${names.column(field)}); header: ${show(header ?? [])}`);
      }
      out.set(field, i);
    }
  }
  return out;
}

/** Reads a tsv/csv/jsonl file of the task into examples. */
export function readExamples(file: string, task: TaskFormat, opts: ReadOptions = {}): Example[] {
  return examplesFromRows(file, readRows(file, task.format), task, opts);
}

/** Examples from the records of `file` (already read with `readRows`); rows with a skipped label are left out. */
export function examplesFromRows(file: string, rows: Row[], task: TaskFormat, opts: ReadOptions = {}): Example[] {
  const header = task.format !== 'jsonl' && task.header ? (rows[0]?.cells as string[] | undefined) : undefined;
  if (task.format !== 'jsonl' && task.header) rows = rows.slice(1);
  const read = exampleReader(file, task, { header, first: rows[0] }, opts);
  return rows.map(read).filter((e): e is Example => e !== undefined);
}

/**
 * The reader of one record, for a file read a slice at a time (augment): the example of a row, or
 * undefined when its label is one of `skip_labels`. `header` is the file's header row (tsv/csv with
 * `header`), `first` its first record after the header: columns resolve against them. A task without
 * a label list (augment without a guard) reads the label only for `skip_labels`; the label is NaN.
 */
export function exampleReader(
  file: string,
  task: TaskFormat,
  { header, first }: { header?: string[]; first?: Row },
  { labelled = true, names = RECIPE_NAMES }: ReadOptions = {},
): (row: Row) => Example | undefined {
  const fields: Field[] = ['text_a', ...(task.columns.text_b !== undefined ? (['text_b'] as const) : []), ...(labelled ? (['label'] as const) : [])];
  const labelIndex = new Map((task.labels ?? []).map((l, i) => [l, i]));
  const skip = new Set(task.skip_labels);
  let examples = 0;

  let get: (row: Row, field: Field) => unknown;
  if (task.format === 'jsonl') {
    get = (row, field) => {
      const key = task.columns[field] as string;
      const obj = row.cells as Record<string, unknown>;
      if (!(key in obj)) {
        throw new DataError(`${row.source}: no key "${key}" (${names.column(field)}); keys: ${Object.keys(obj).join(', ')}`);
      }
      return obj[key];
    };
  } else {
    const indices = columnIndices(file, task, header, fields, names);
    const width = header?.length ?? (first?.cells as string[] | undefined)?.length ?? 0;
    const needed = Math.max(...indices.values()) + 1;
    if (first !== undefined && width < needed) {
      const at = header ? `${file}:1` : first.source;
      throw new DataError(`${at}: ${width} columns, but the column mapping needs ${needed} (${describeMapping(task, fields, names)})`);
    }
    get = (row, field) => {
      const cells = row.cells as string[];
      if (cells.length !== width) {
        const what = task.format === 'tsv' ? ' (a tab inside a text?)' : '';
        throw new DataError(`${row.source}: ${cells.length} columns, expected ${width} like ${header ? 'the header' : 'the first row'}${what}`);
      }
      return cells[indices.get(field)!];
    };
  }

  return (row) => {
    let label = NaN;
    if (labelled) {
      const raw = get(row, 'label');
      const text = typeof raw === 'string' ? raw.trim() : raw === null || raw === undefined ? '' : String(raw);
      if (skip.has(text)) return undefined;
      const named = task.label_aliases?.[text] ?? text;
      if (task.type === 'regression') {
        label = text === '' ? NaN : Number(text);
        if (!Number.isFinite(label)) throw new DataError(`${row.source}: label ${show(raw)} is not a number (regression task)`);
      } else if (task.labels !== undefined) {
        const index = labelIndex.get(named);
        if (index === undefined) {
          const hint = examples === 0 && !task.header && task.format !== 'jsonl' ? `; is the first row a header? ${names.setHeader}` : '';
          throw new DataError(`${row.source}: label ${show(raw)} is not one of ${show(task.labels)} (${names.labels})${hint}`);
        }
        label = index;
      }
    }
    const textA = text(row, get(row, 'text_a'), 'text_a');
    const example: Example = { textA, label, source: row.source };
    if (task.columns.text_b !== undefined) example.textB = text(row, get(row, 'text_b'), 'text_b');
    examples++;
    return example;
  };
}

function text(row: Row, value: unknown, field: Field): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new DataError(`${row.source}: ${field} should be text, saw ${show(value, 40)}`);
}

function describeMapping(task: TaskFormat, fields: Field[], names: SettingNames): string {
  return fields.map((f) => `${names.column(f)}=${show(task.columns[f])}`).join(', ');
}

/** Reads one split of a resolved recipe task; `test` is read without labels unless it has them. */
export function readTaskSplit(task: TaskConfig, split: 'train' | 'dev' | 'test', opts: ReadOptions = {}): Example[] {
  const file = task[split];
  if (file === undefined) throw new DataError(`tasks.${opts.taskName ?? '<task>'}.${split}: the task has no ${split} file`);
  return readExamples(file, task, { names: recipeNames(opts.taskName), ...opts });
}
