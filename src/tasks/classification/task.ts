/**
 * The `tasks:` entry of a classification task (single sentence, sentence pair, regression): its
 * schema, with every default here and nowhere downstream. The readers live in src/data.
 */
import { z } from 'zod';
import { columnSchema, dataFormatSchema, formatFromPath, taskTypeSchema, type Columns, type DataFormat, type TaskType } from '../../data/format.js';

const pathSchema = z.string().min(1);

export const columnsSchema = z
  .strictObject({
    text_a: columnSchema.optional().describe('first text'),
    text_b: columnSchema.optional().describe('second text (pair tasks)'),
    label: columnSchema.optional().describe('gold label'),
  })
  .describe('where each field lives; defaults: names text_a/text_b/label with a header or in JSON, else text_a, text_b, label in that column order');

/** Labels may be written as YAML numbers (`[0, 1]`); they are compared with the file's text. */
const labelSchema = z.union([z.string(), z.number()]).transform((v) => String(v));

export const classificationTaskSchema = z
  .strictObject({
    type: taskTypeSchema,
    format: dataFormatSchema.optional().describe('file format; inferred from the train file extension when omitted'),
    train: pathSchema.describe('training file'),
    dev: pathSchema.optional().describe('development file, used by evaluation'),
    test: pathSchema.optional().describe('test file (labels optional)'),
    header: z.boolean().default(false).describe('tsv/csv: the first row is a header naming the columns'),
    columns: columnsSchema.optional(),
    labels: z
      .array(labelSchema)
      .min(2)
      .optional()
      .describe('class labels as written in the files; a label\'s index is its class id (required unless regression)'),
    skip_labels: z
      .array(labelSchema)
      .default([])
      .describe('rows with one of these labels are skipped (e.g. "-" for OCNLI examples without a gold label)'),
    label_aliases: z
      .record(z.string(), labelSchema)
      .default({})
      .describe('labels written differently in some files, mapped to one of labels (XNLI train "contradictory": contradiction)'),
    max_seq_length: z.number().int().min(3).default(128).describe('tokens per example including [CLS] and [SEP]'),
  })
  .superRefine((t, ctx) => {
    const format = t.format ?? formatFromPath(t.train);
    if (!format) {
      ctx.addIssue({
        code: 'custom',
        path: ['format'],
        message: `cannot infer the format from the extension of train "${t.train}"; set format: tsv, csv or jsonl`,
      });
    }
    if (t.type === 'regression') {
      if (t.labels) ctx.addIssue({ code: 'custom', path: ['labels'], message: 'a regression task has no label list; remove labels' });
    } else if (!t.labels) {
      ctx.addIssue({ code: 'custom', path: ['labels'], message: `a ${t.type} task needs a label list, e.g. labels: ["0", "1"]` });
    } else if (new Set(t.labels).size !== t.labels.length) {
      ctx.addIssue({ code: 'custom', path: ['labels'], message: `labels must be unique, got ${JSON.stringify(t.labels)}` });
    }
    for (const [from, to] of Object.entries(t.label_aliases)) {
      if (t.labels && !t.labels.includes(to)) {
        ctx.addIssue({ code: 'custom', path: ['label_aliases', from], message: `"${to}" is not one of labels ${JSON.stringify(t.labels)}` });
      }
    }
    if (t.type === 'single' && t.columns?.text_b !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['columns', 'text_b'], message: 'a single-sentence task has no text_b; use type: pair' });
    }
    for (const key of ['text_a', 'text_b', 'label'] as const) {
      const col = t.columns?.[key];
      if (format === 'jsonl' && typeof col === 'number') {
        ctx.addIssue({ code: 'custom', path: ['columns', key], message: `jsonl rows are objects: name the key instead of index ${col}` });
      }
      if (format !== 'jsonl' && typeof col === 'string' && !t.header) {
        ctx.addIssue({
          code: 'custom',
          path: ['columns', key],
          message: `column "${col}" is a name but header is false; set header: true or give a 0-based index`,
        });
      }
    }
  })
  .transform((t) => {
    const format = t.format ?? (formatFromPath(t.train) as DataFormat);
    return { ...t, format, columns: resolveColumns(t.type, format, t.header, t.columns ?? {}) };
  })
  .describe('a labelled dataset');
export type ClassificationTask = z.infer<typeof classificationTaskSchema>;

/** Fills the default columns: names where the file has names, else text_a, [text_b,] label in order. */
function resolveColumns(
  type: TaskType,
  format: DataFormat,
  header: boolean,
  given: Partial<Columns>,
): Columns {
  const named = format === 'jsonl' || header;
  const pair = type === 'pair' || given.text_b !== undefined;
  const text_b = given.text_b ?? (type === 'pair' ? (named ? 'text_b' : 1) : undefined);
  const out = {
    text_a: given.text_a ?? (named ? 'text_a' : 0),
    label: given.label ?? (named ? 'label' : pair ? 2 : 1),
  };
  return text_b === undefined ? out : { ...out, text_b };
}
