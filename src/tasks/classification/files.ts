/**
 * Classification data named on the command line (`eval --data`, `predict --input`) rather than in a
 * recipe: the task config a file implies given the flags and the model, and predict's free-text
 * inputs (text lines, `text_a<TAB>text_b` pairs, or JSONL `{text_a, text_b}`).
 */
import { examplesFromRows, RECIPE_NAMES, type Example, type SettingNames, type TaskFormat } from '../../data/classification.js';
import { formatFromPath, type DataFormat } from '../../data/format.js';
import { readRows, readText, type Row } from '../../data/rows.js';
import { DataError, UsageError } from '../../errors.js';
import type { FileOptions, ModelLabels } from '../task-module.js';
import type { ClassificationTask } from './task.js';

/**
 * The columns of a data file given without a recipe. Unlike a recipe task the file does not say
 * whether it holds pairs, so a second text is read when asked for, when the header or the first
 * JSON object names a text_b, or when an unnamed file has the pair layout (text_a, text_b[, label]).
 */
export function fileColumns(rows: Row[], format: DataFormat, opts: FileOptions, labelled: boolean): TaskFormat['columns'] {
  const named = format === 'jsonl' || opts.header === true;
  const first = rows[0]?.cells;
  const pairLayout = named
    ? first !== undefined && (Array.isArray(first) ? first.includes('text_b') : 'text_b' in first)
    : opts.textA === undefined && opts.label === undefined && Array.isArray(first) && first.length === (labelled ? 3 : 2);
  const width = Array.isArray(first) ? first.length : 0;
  if (!labelled && !named && opts.textA === undefined && opts.textB === undefined && width > 2) {
    const names = opts.names ?? RECIPE_NAMES;
    throw new DataError(`${rows[0]!.source}: ${width} columns; say which hold the texts with ${names.column('text_a')} (and ${names.column('text_b')})`);
  }
  const textB = opts.textB ?? (pairLayout ? (named ? 'text_b' : 1) : undefined);
  return {
    text_a: opts.textA ?? (named ? 'text_a' : 0),
    ...(textB !== undefined ? { text_b: textB } : {}),
    label: opts.label ?? (named ? 'label' : textB !== undefined ? 2 : 1),
  };
}

/** True when predict was given no data flag: its input is free text lines or JSONL. */
function freeText(opts: FileOptions): boolean {
  return opts.format === undefined && opts.header === undefined && opts.textA === undefined && opts.textB === undefined;
}

/**
 * The task a file implies: regression when the model has one output, else the model's classes
 * (or `--labels`, one per class); the columns from the flags and the file's first rows.
 */
export function classificationFileConfig(file: string, opts: FileOptions & { maxSeqLength: number }, model: ModelLabels, labelled: boolean): ClassificationTask {
  const regression = model.numLabels === 1;
  const labels = [...(opts.labels ?? model.labels)];
  if (!regression && labels.length !== model.numLabels) {
    throw new UsageError(`--labels: ${labels.length} labels given but the model has ${model.numLabels} classes`);
  }
  const names = opts.names ?? RECIPE_NAMES;
  for (const [from, to] of Object.entries(opts.labelAliases ?? {})) {
    if (!regression && !labels.includes(to)) {
      throw new UsageError(`label alias ${from}=${to}: "${to}" is not one of the labels ${JSON.stringify(labels)} (${names.labels})`);
    }
  }
  const format = (opts.format as DataFormat | undefined) ?? formatFromPath(file) ?? 'tsv';
  // predict's free text has no columns to find.
  const columns = !labelled && freeText(opts) ? { text_a: 0, label: 1 } : fileColumns(readRows(file, format), format, opts, labelled);
  return {
    type: regression ? 'regression' : columns.text_b !== undefined ? 'pair' : 'single',
    format,
    train: file,
    header: opts.header ?? false,
    columns,
    labels: regression ? undefined : labels,
    skip_labels: opts.skipLabels ?? [],
    label_aliases: opts.labelAliases ?? {},
    max_seq_length: opts.maxSeqLength,
  };
}

/** Reads predict inputs: JSONL objects `{text_a, text_b?}`, or text lines `text_a[<TAB>text_b]`. */
export function readPredictInputs(file: string, names: SettingNames = RECIPE_NAMES): { a: string; b?: string }[] {
  const text = readText(file);
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const firstNonBlank = lines.find((l) => l.trim() !== '');
  const jsonl = /\.jsonl?$/i.test(file) || firstNonBlank?.trimStart().startsWith('{') === true;
  const out: { a: string; b?: string }[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file}:${i + 1}`;
    if (!jsonl) {
      const cells = line.split('\t');
      if (cells.length > 2) throw new DataError(`${where}: ${cells.length} tab-separated fields, expected text_a or text_a<TAB>text_b`);
      out.push(cells.length === 2 ? { a: cells[0]!, b: cells[1]! } : { a: cells[0]! });
      return;
    }
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      throw new DataError(`${where}: not valid JSON (${(e as Error).message})`);
    }
    const { text_a: a, text_b: b } = (obj ?? {}) as { text_a?: unknown; text_b?: unknown };
    if (typeof a !== 'string') {
      const keys = obj !== null && typeof obj === 'object' ? `; keys: ${Object.keys(obj).join(', ')} (name them with ${names.column('text_a')} / ${names.column('text_b')})` : '';
      throw new DataError(`${where}: expected an object with a string "text_a"${keys}`);
    }
    if (b !== undefined && b !== null && typeof b !== 'string') throw new DataError(`${where}: "text_b" must be a string`);
    out.push(typeof b === 'string' ? { a, b } : { a });
  });
  if (out.length === 0) throw new DataError(`${file}: no examples (empty input file)`);
  return out;
}

/** Predict inputs: free text lines / JSONL, or, given any column option, a data file read as eval does. */
export function readClassificationInputs(file: string, config: ClassificationTask, opts: FileOptions): Example[] {
  if (freeText(opts)) {
    return readPredictInputs(file, opts.names).map((t, i) => ({ textA: t.a, ...(t.b === undefined ? {} : { textB: t.b }), label: NaN, source: `${file}:${i + 1}` }));
  }
  const examples = examplesFromRows(file, readRows(file, config.format), config, { labelled: false, names: opts.names ?? RECIPE_NAMES });
  if (examples.length === 0) throw new DataError(`${file}: no examples (empty input file)`);
  return examples;
}
