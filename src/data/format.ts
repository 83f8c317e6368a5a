/**
 * How a labelled data file is laid out: its format, which column holds which field, and the task
 * type that decides which fields exist. The schemas live here, below the recipe, so the readers in
 * src/data need nothing from src/recipe; the recipe's task schema (src/recipe/task.ts) builds on them.
 */
import { extname } from 'node:path';
import { z } from 'zod';

export const taskTypeSchema = z
  .enum(['single', 'pair', 'regression'])
  .describe('single-sentence classification, sentence-pair classification, or regression (one or two texts)');
export type TaskType = z.infer<typeof taskTypeSchema>;

export const dataFormatSchema = z
  .enum(['tsv', 'csv', 'jsonl'])
  .describe('tsv: tab-separated, no quoting; csv: RFC 4180; jsonl: one JSON object per line (or one JSON array)');
export type DataFormat = z.infer<typeof dataFormatSchema>;

/** A column by header name (or JSON key), or by 0-based index. */
export const columnSchema = z
  .union([z.string().min(1), z.number().int().min(0)])
  .describe('column name (header row or JSON key) or 0-based column index');
export type Column = z.infer<typeof columnSchema>;

const EXTENSION_FORMATS: Record<string, DataFormat> = {
  '.tsv': 'tsv',
  '.txt': 'tsv',
  '.csv': 'csv',
  '.jsonl': 'jsonl',
  '.json': 'jsonl',
};

/** The format implied by a file name, if its extension is a known one. */
export function formatFromPath(path: string): DataFormat | undefined {
  return EXTENSION_FORMATS[extname(path).toLowerCase()];
}

/** Where each field lives, with the defaults filled in (text_b only for pair tasks). */
export interface Columns {
  text_a: Column;
  text_b?: Column;
  label: Column;
}

/**
 * The task fields the readers use. A resolved recipe task (src/recipe/schema.ts `TaskConfig`) has
 * them all, with every default already applied by its schema.
 */
export interface TaskConfig {
  type: TaskType;
  format: DataFormat;
  header: boolean;
  columns: Columns;
  /** Class labels as written in the files; absent for regression. */
  labels?: string[];
  skip_labels: string[];
  label_aliases: Record<string, string>;
  train: string;
  dev?: string;
  test?: string;
}
