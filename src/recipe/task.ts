/**
 * The recipe's data sources: labelled tasks (`tasks:`, one schema per task kind, src/tasks) and plain-text corpora for
 * general distillation (`corpus:`). Paths are plain strings here; the loader makes them absolute
 * against the recipe's folder, and files are only opened when a stage starts, so a recipe naming
 * data the user has not downloaded yet still validates.
 */
import { z } from 'zod';

export { columnSchema, dataFormatSchema, formatFromPath, taskTypeSchema, type Column, type DataFormat, type TaskType } from '../data/format.js';

export const pathSchema = z.string().min(1);

/** A `tasks:` entry: the schema of the task module its `type` selects (src/tasks/registry.ts). */
export { taskSchema, taskModule, TASK_TYPES, type TaskEntry as Task } from '../tasks/registry.js';
export { classificationTaskSchema, columnsSchema, type ClassificationTask } from '../tasks/classification/task.js';

export const corpusSchema = z
  .strictObject({
    path: pathSchema.describe('plain UTF-8 text file, streamed'),
    format: z
      .enum(['sentences', 'documents'])
      .default('sentences')
      .describe('sentences: one sentence per line, blank line between documents; documents: one document per line'),
    max_seq_length: z.number().int().min(3).default(128).describe('tokens per packed sequence including [CLS] and [SEP]'),
  })
  .describe('a plain-text corpus for general distillation');
export type Corpus = z.infer<typeof corpusSchema>;

export const modelSourceSchema = z
  .strictObject({
    config: pathSchema.optional().describe('model config JSON (bert_config / HF style): create fresh, seeded weights'),
    dir: pathSchema.optional().describe('model directory to load (HF: config.json + weights; NEZHA release; a tinybert export)'),
    vocab: pathSchema.optional().describe('vocab.txt for this model; defaults to the directory\'s, then the recipe\'s vocab'),
  })
  .superRefine((m, ctx) => {
    if ((m.config === undefined) === (m.dir === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'give exactly one of config (create a fresh model) or dir (load a model directory)',
      });
    }
  })
  .describe('where a model slot starts from');
export type ModelSource = z.infer<typeof modelSourceSchema>;
