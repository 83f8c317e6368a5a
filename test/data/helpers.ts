/** Temp files, task configs and a fake tokenizer for data tests. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { taskSchema, type TaskConfig } from '../../src/recipe/index.js';
import type { Encoder } from '../../src/data/index.js';

export function writeTemp(name: string, text: string | Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tinybert-data-')), name);
  writeFileSync(path, text);
  return path;
}

/** A resolved task config, as the recipe produces it. */
export function task(fields: Record<string, unknown>): TaskConfig {
  return taskSchema.parse({ train: 'train.tsv', ...fields });
}

/** One id per character (code point mod 1000 + 10), [CLS]=1, [SEP]=2; truncation like the reference. */
export const fakeTokenizer: Encoder & { toIds(text: string): number[] } = {
  toIds(text: string) {
    return [...text.replace(/\s/g, '')].map((c) => (c.codePointAt(0)! % 1000) + 10);
  },
  encode(textA, textB, opts = {}) {
    let a = this.toIds(textA);
    let b = textB ? this.toIds(textB) : [];
    const max = opts.maxLength ?? 512;
    if (textB) {
      while (a.length + b.length > max - 3) {
        if (a.length > b.length) a = a.slice(0, -1);
        else b = b.slice(0, -1);
      }
    } else a = a.slice(0, max - 2);
    const inputIds = [1, ...a, 2, ...(b.length ? [...b, 2] : [])];
    const tokenTypeIds = [...new Array(a.length + 2).fill(0), ...new Array(b.length ? b.length + 1 : 0).fill(1)];
    return { inputIds, tokenTypeIds, length: inputIds.length };
  },
};
