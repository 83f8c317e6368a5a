/**
 * Options shared by several commands: numbers that are refused unless they are numbers, and the
 * data-file options of `eval` and `predict`, which read every format and column mapping a recipe
 * task reads, under the same names (`--text-a` for `columns.text_a`, `--skip-labels` for
 * `skip_labels` ...).
 */
import type { Argv, Options } from 'yargs';
import type { SettingNames } from '../data/classification.js';
import { show, UsageError } from '../errors.js';
import type { Column } from '../recipe/task.js';
import { TASK_FORMATS } from '../tasks/registry.js';

/**
 * A value that did not parse. yargs wraps an error thrown from `coerce` into its own YError, which
 * would lose the UsageError class, so coerce returns this and the `rejectInvalidOptions` check throws.
 */
class InvalidOption {
  constructor(readonly message: string) {}
}

function parseNumber(raw: unknown, integer: boolean, min: number, exclusive: boolean): number | InvalidOption {
  const text = String(raw).trim();
  const n = typeof raw === 'number' ? raw : text === '' ? NaN : Number(text);
  const kind = integer ? 'an integer' : 'a number';
  const bound = exclusive ? `> ${min}` : `>= ${min}`;
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || (exclusive ? n <= min : n < min)) {
    return new InvalidOption(`expected ${kind} ${bound}, got ${raw === true ? 'no value' : show(text)}`);
  }
  return n;
}

/**
 * A numeric option: `--seed abc`, `--batch-size x` or `--max-seq-length 1.5` are refused in one
 * line instead of running with NaN. Repeatable (`array: true`) options check every value.
 */
export function numberOption<S extends NumberSpec>(describe: string, spec: S): NumberOption<S> {
  const one = (v: unknown) => parseNumber(v, spec.integer ?? false, spec.min, spec.exclusive ?? false);
  return {
    // No type: yargs would turn "x" into NaN before coerce sees it; numeric-looking words arrive as
    // numbers, a flag without a value as true.
    describe,
    ...(spec.default !== undefined ? { default: spec.default } : {}),
    ...(spec.array ? { array: true } : {}),
    coerce: (v: unknown) => {
      if (!Array.isArray(v)) return one(v);
      const values = v.map(one);
      return values.find((x) => x instanceof InvalidOption) ?? values;
    },
  } as unknown as NumberOption<S>;
}

interface NumberSpec {
  integer?: boolean;
  min: number;
  /** min itself is not allowed. */
  exclusive?: boolean;
  default?: number | number[];
  array?: boolean;
}

/** The yargs option as its type inference needs it: coerce gives the value type, default makes it present. */
type NumberOption<S extends NumberSpec> = Options & { coerce: (v: unknown) => S['array'] extends true ? number[] : number } & (S['default'] extends number | number[] ? { default: S['default'] } : object);

/** Global check: the first option that did not parse, as a UsageError. */
export function rejectInvalidOptions(argv: Record<string, unknown>): true {
  // yargs also stores each dashed option under its camelCase alias; name the dashed one.
  const keys = Object.keys(argv).sort((a, b) => Number(/[A-Z]/.test(a)) - Number(/[A-Z]/.test(b)));
  for (const key of keys) {
    const v = argv[key];
    if (v instanceof InvalidOption) throw new UsageError(`--${key}: ${v.message}`);
  }
  return true;
}

/** The data-file options as parsed (eval: labelled; predict: the label column is not read). */
export interface DataArgs {
  format?: string;
  header?: boolean;
  'text-a'?: string;
  'text-b'?: string;
  label?: string;
  labels?: string;
  'skip-labels'?: string[];
  'label-alias'?: string[];
}

/** Adds the data-file options; `labelled` adds the gold-label ones (eval; predict ignores a file's labels). */
export function withDataOptions<T>(y: Argv<T>, labelled: boolean): Argv<T & DataArgs> {
  let out = y
    .option('format', {
      choices: TASK_FORMATS,
      describe: 'File format, one the model\'s task kind reads: tsv, csv, jsonl (classification); conll, jsonl, ernie, bmes (token classification); squad, jsonl (span). Default: from the extension, else tsv; like a recipe task\'s format',
    })
    // No default: predict reads free text lines unless a data option is given.
    .option('header', { type: 'boolean', describe: 'tsv/csv: the first row names the columns (recipe: header)' })
    .option('text-a', { type: 'string', describe: 'Column of the first text: name (header / JSON key) or 0-based index (default text_a / 0)' })
    .option('text-b', {
      type: 'string',
      describe: 'Column of the second text of a pair (default: text_b when the header or JSON has it, column 1 of a file with one more column than a single-text one)',
    })
    .option('labels', { type: 'string', describe: 'Class names in class-id order, comma-separated, as the file writes them and the output names them (default: the model\'s id2label)' });
  if (labelled) {
    out = out
      .option('label', { type: 'string', describe: 'Column of the gold label (default label / the column after the texts)' })
      .option('skip-labels', { type: 'string', array: true, describe: 'Skip rows with this gold label, e.g. --skip-labels=- for OCNLI (recipe: skip_labels; repeatable)' })
      .option('label-alias', { type: 'string', array: true, describe: 'FROM=TO: the label FROM in the file means TO (recipe: label_aliases; repeatable)' });
  }
  return out as Argv<T & DataArgs>;
}

/** `--labels a,b,c` as a list. */
export function labelList(v: string | undefined): string[] | undefined {
  return v?.split(',').map((l) => l.trim());
}

/** A column given on the command line: a 0-based index when it is all digits, else a name. */
export function column(v: string | undefined): Column | undefined {
  return v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : v;
}

/** `--label-alias FROM=TO ...` as a map. */
export function labelAliases(values: string[] | undefined): Record<string, string> | undefined {
  if (!values) return undefined;
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0 || eq === v.length - 1) throw new UsageError(`--label-alias: expected FROM=TO, got ${show(v)}`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

/** Data-reader messages name flags, not recipe fields: "give --text-b", not "columns.text_b". */
export const CLI_NAMES: SettingNames = {
  column: (field) => `--${field.replace('_', '-')}`,
  setHeader: 'give --header',
  labels: '--labels',
};

/** The parsed data options as the library's reader options (what `evaluateModelDir` / `predictModelDir` take). */
export function readerOptions(a: DataArgs) {
  return {
    format: a.format,
    header: a.header,
    textA: column(a['text-a']),
    textB: column(a['text-b']),
    label: column(a.label),
    labels: labelList(a.labels),
    skipLabels: a['skip-labels'],
    labelAliases: labelAliases(a['label-alias']),
    names: CLI_NAMES,
  };
}
