/**
 * Invalid UTF-8 in data (a GBK file, a truncated multi-byte character) is decoded as U+FFFD, not
 * refused, but never silently: one warning per file, naming the first line where it occurs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readExamples } from '../../src/data/classification.js';
import { Corpus } from '../../src/data/corpus.js';
import { readRows, setDataWarningSink } from '../../src/data/rows.js';
import { readPredictInputs } from '../../src/pipeline/evaluate.js';

const dir = mkdtempSync(join(tmpdir(), 'tb-utf8-'));
const GBK_HAO = Buffer.from([0xba, 0xc3]); // 好 in GBK: invalid as UTF-8

function file(name: string, ...parts: (string | Buffer)[]): string {
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p))));
  return path;
}

let warnings: string[];
let restore: (m: string) => void;
beforeEach(() => {
  warnings = [];
  restore = setDataWarningSink((m) => warnings.push(m));
});
afterEach(() => {
  setDataWarningSink(restore);
});

describe('invalid UTF-8 in data', () => {
  it('a task file warns once, with the first line where it occurs, and still reads', () => {
    const tsv = file('task.tsv', 'text_a\tlabel\n好\t1\n', GBK_HAO, '\t0\n', GBK_HAO, '\t1\n');
    const task = { type: 'single', format: 'tsv', header: true, columns: { text_a: 'text_a', label: 'label' }, labels: ['0', '1'], skip_labels: [] } as const;
    const ex = readExamples(tsv, task);
    expect(ex.map((e) => e.textA)).toEqual(['好', '\uFFFD\uFFFD', '\uFFFD\uFFFD']);
    readExamples(tsv, task);
    expect(warnings).toEqual([`${tsv}:3: invalid UTF-8, replaced by U+FFFD here and wherever else it occurs in this file (is it GBK or another encoding?)`]);
  });

  it('says nothing for valid UTF-8, even one containing U+FFFD itself', () => {
    readRows(file('ok.jsonl', '{"text_a": "好\uFFFD"}\n'), 'jsonl');
    expect(warnings).toEqual([]);
  });

  it('every format and the predict reader warn, each file once', () => {
    const csv = file('d.csv', 'a,b\n', GBK_HAO, ',1\n');
    const jsonl = file('d.jsonl', '{"text_a": "a"}\n{"text_a": "x"}\n{"text_a": "', GBK_HAO, '"}\n');
    const txt = file('in.txt', 'ok\n', GBK_HAO, '\n');
    readRows(csv, 'csv');
    readRows(jsonl, 'jsonl');
    readPredictInputs(txt);
    expect(warnings.map((w) => w.split(': ')[0])).toEqual([`${csv}:2`, `${jsonl}:3`, `${txt}:2`]);
  });

  it('the streamed corpus warns once, with the line, across passes', async () => {
    const path = file('corpus.txt', '好好\n\n很好\n坏', GBK_HAO, '坏\n好\n');
    const corpus = new Corpus(path, { format: 'sentences', maxSeqLength: 8, toIds: (t) => Array.from(t, (c) => c.codePointAt(0)!) });
    const first = [];
    for await (const s of corpus.sequences()) first.push(s.ids);
    expect(await corpus.count()).toBe(first.length);
    expect(first.flat()).toContain(0xfffd);
    expect(warnings).toEqual([`${path}:4: invalid UTF-8, replaced by U+FFFD here and wherever else it occurs in this file (is it GBK or another encoding?)`]);
  });
});
