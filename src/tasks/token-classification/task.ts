/**
 * The `tasks:` entry of a token-classification task and the reading of its files: the schema the
 * TaskModule registry will expose, with every default here and nowhere downstream.
 */
import { z } from 'zod';
import { DataError, show } from '../../errors.js';
import { nerFormatFromPath, nerFormatSchema, readSentences, type Sentence } from './formats.js';
import { convertTags, labelList, parseTagAt, tagSchemeSchema } from './tags.js';

const pathSchema = z.string().min(1);

export const tokenClassificationTaskSchema = z
  .strictObject({
    type: z.literal('token-classification').describe('sequence labelling (NER): one tag per input token'),
    format: nerFormatSchema.optional().describe('file format; inferred from the train file name when omitted'),
    train: pathSchema.describe('training file'),
    dev: pathSchema.optional().describe('development file, used by evaluation'),
    test: pathSchema.optional().describe('test file'),
    tag_column: z.number().int().default(-1).describe('conll: 0-based column of the tag, negative from the end (-1: the last)'),
    scheme: tagSchemeSchema
      .optional()
      .describe('re-spell the files\' tags in this scheme when reading (entities kept); omitted: tags as written'),
    labels: z
      .array(z.string().min(1))
      .min(2)
      .optional()
      .describe('tags in label-id order; omitted: collected from the train file (O first, then by type and prefix)'),
    max_seq_length: z.number().int().min(3).default(128).describe('positions per window including [CLS] and [SEP]'),
    stride: z
      .number()
      .int()
      .min(1)
      .default(64)
      .describe('word pieces between the starts of consecutive windows of a long sentence (BERT\'s doc_stride)'),
  })
  .superRefine((t, ctx) => {
    if (!t.format && !nerFormatFromPath(t.train)) {
      ctx.addIssue({ code: 'custom', path: ['format'], message: `cannot infer the format from train "${t.train}"; set format: conll, jsonl, ernie or bmes` });
    }
    if (t.stride > t.max_seq_length - 2) {
      ctx.addIssue({ code: 'custom', path: ['stride'], message: `stride ${t.stride} exceeds max_seq_length - 2 = ${t.max_seq_length - 2}; windows would leave tokens out` });
    }
    t.labels?.forEach((tag, i) => {
      try {
        parseTagAt(tag, 'labels');
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: ['labels', i], message: (e as Error).message });
      }
    });
    if (t.labels && new Set(t.labels).size !== t.labels.length) {
      ctx.addIssue({ code: 'custom', path: ['labels'], message: `labels must be unique, got ${JSON.stringify(t.labels)}` });
    }
  })
  .transform((t) => ({ ...t, format: t.format ?? nerFormatFromPath(t.train)! }))
  .describe('a token-classification (NER) dataset');
export type TokenClassificationTask = z.infer<typeof tokenClassificationTaskSchema>;

/** The sentences of one of the task's files, tags in the task's scheme, each checked against `labels` when given. */
export function readTaskFile(file: string, task: TokenClassificationTask, labels = task.labels): Sentence[] {
  const sentences = readSentences(file, task.format, { tagColumn: task.tag_column, labels: task.scheme ? undefined : labels });
  if (!task.scheme) return sentences;
  const known = labels && new Set(labels);
  return sentences.map((s) => {
    const tags = convertTags(s.tags, task.scheme!);
    const bad = known && tags.findIndex((t) => !known.has(t));
    if (known && bad !== undefined && bad >= 0) {
      throw new DataError(`${s.source}: tag ${show(tags[bad])} of token ${bad + 1} (as ${task.scheme}) is not in the label list ${show(labels, 120)}`);
    }
    return { ...s, tags };
  });
}

/** The label list of a task: as given, else collected from its train sentences. */
export function taskLabels(task: TokenClassificationTask, train: readonly Sentence[]): string[] {
  return labelList(
    train.flatMap((s) => s.tags),
    task.labels,
    'labels',
  );
}
