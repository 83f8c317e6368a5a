/**
 * Stage inputs: labelled examples of a task split, and a plain-text corpus read line by line and
 * packed into sequences of at most max_seq_length tokens within documents.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { DataError } from '../errors.js';
import type { Recipe } from '../recipe/schema.js';
import type { BertTokenizer } from '../tokenizer/index.js';

type Task = Recipe['tasks'][string];

export interface Example {
  textA: string;
  textB?: string;
  label?: number;
  source: string;
}

/** RFC 4180 fields of one CSV line (no embedded newlines). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"' && cur === '') quoted = true;
    else if (ch === ',') out.push(cur), (cur = '');
    else cur += ch;
  }
  out.push(cur);
  return out;
}

export function readTaskExamples(task: Task, split: 'train' | 'dev' | 'test'): Example[] {
  const path = split === 'train' ? task.train : split === 'dev' ? task.dev : task.test;
  if (!path) throw new DataError(`task has no ${split} file`);
  if (!existsSync(path)) throw new DataError(`${path}: ${split} file not found`);
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  const labels = task.labels;
  const examples: Example[] = [];
  let header: string[] | undefined;
  const col = (fields: string[] | Record<string, unknown>, c: string | number | undefined, where: string, what: string) => {
    if (c === undefined) return undefined;
    let v: unknown;
    if (Array.isArray(fields)) {
      const i = typeof c === 'number' ? c : header!.indexOf(c);
      if (i < 0) throw new DataError(`${path}:1: no column "${c}" in the header (${header!.join(', ')})`);
      v = fields[i];
    } else v = fields[c];
    if (v === undefined || v === null) throw new DataError(`${where}: missing ${what} (column ${JSON.stringify(c)})`);
    return String(v);
  };
  lines.forEach((line, n) => {
    if (line.trim() === '') return;
    const where = `${path}:${n + 1}`;
    let fields: string[] | Record<string, unknown>;
    if (task.format === 'jsonl') {
      try {
        fields = JSON.parse(line) as Record<string, unknown>;
      } catch (e) {
        throw new DataError(`${where}: not a JSON object (${(e as Error).message})`);
      }
    } else {
      fields = task.format === 'csv' ? csvFields(line) : line.split('\t');
      if (task.header && !header) {
        header = fields;
        return;
      }
    }
    const textA = col(fields, task.columns.text_a, where, 'text_a')!;
    const textB = col(fields, task.columns.text_b, where, 'text_b');
    const raw = col(fields, task.columns.label, where, 'label');
    if (raw !== undefined && task.skip_labels.includes(raw)) return;
    let label: number | undefined;
    if (raw !== undefined && task.type === 'regression') {
      label = Number(raw);
      if (!Number.isFinite(label)) throw new DataError(`${where}: label ${JSON.stringify(raw)} is not a number`);
    } else if (raw !== undefined && labels) {
      label = labels.indexOf(raw);
      if (label < 0) throw new DataError(`${where}: label ${JSON.stringify(raw)} is not one of ${JSON.stringify(labels)}`);
    }
    examples.push({ textA, textB, label, source: where });
  });
  if (examples.length === 0) throw new DataError(`${path}: no examples`);
  return examples;
}

/**
 * Streams a corpus (never loaded whole) and yields token-id sequences `[CLS] … [SEP]` packed from
 * consecutive sentences of one document, up to `maxLength` tokens.
 */
export async function* streamCorpusSequences(
  path: string,
  format: 'sentences' | 'documents',
  tokenizer: BertTokenizer,
  maxLength: number,
): AsyncGenerator<number[]> {
  if (!existsSync(path)) throw new DataError(`${path}: corpus file not found`);
  const room = maxLength - 2;
  let pending: number[] = [];
  const flush = function* () {
    for (let s = 0; s < pending.length; s += room) yield [tokenizer.clsId, ...pending.slice(s, s + room), tokenizer.sepId];
    pending = [];
  };
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') {
      yield* flush();
      continue;
    }
    const ids = tokenizer.convertTokensToIds(tokenizer.tokenize(line));
    if (pending.length > 0 && pending.length + ids.length > room) yield* flush();
    pending.push(...ids);
    if (format === 'documents') yield* flush();
  }
  yield* flush();
}
