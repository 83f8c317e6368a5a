import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { readExamples, readTaskSplit } from '../../src/data/index.js';
import { task, writeTemp } from './helpers.js';

function failure(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return (e as Error).message;
  }
  throw new Error('expected a DataError');
}

describe('readExamples: tsv', () => {
  it('reads a single-sentence file with a header, mapping labels to indices', () => {
    const file = writeTemp('s.tsv', 'label\ttext_a\n1\t好 "酒店"\n0\t差\n\n');
    const ex = readExamples(file, task({ type: 'single', header: true, labels: ['0', '1'] }));
    expect(ex).toEqual([
      { textA: '好 "酒店"', label: 1, source: `${file}:2` },
      { textA: '差', label: 0, source: `${file}:3` },
    ]);
  });

  it('reads a headerless pair file by column index, with CRLF line ends', () => {
    const file = writeTemp('p.txt', '今天\t明天\t1\r\n你好\t再见\t0\r\n');
    const ex = readExamples(file, task({ type: 'pair', labels: ['0', '1'] }));
    expect(ex).toEqual([
      { textA: '今天', textB: '明天', label: 1, source: `${file}:1` },
      { textA: '你好', textB: '再见', label: 0, source: `${file}:2` },
    ]);
  });

  it('reads a custom column order and skips listed labels', () => {
    const file = writeTemp('c.tsv', 'x\t-\ta\tb\nx\tyes\tc\td\n');
    const ex = readExamples(file, task({ type: 'pair', labels: ['no', 'yes'], skip_labels: ['-'], columns: { label: 1, text_a: 2, text_b: 3 } }));
    expect(ex).toEqual([{ textA: 'c', textB: 'd', label: 1, source: `${file}:2` }]);
  });

  it('maps label aliases (XNLI train writes "contradictory") and strips a byte-order mark', () => {
    const file = writeTemp('x.tsv', '\uFEFFtext_a\ttext_b\tlabel\na\tb\tcontradictory\nc\td\tneutral\n');
    const t = task({ type: 'pair', header: true, labels: ['contradiction', 'entailment', 'neutral'], label_aliases: { contradictory: 'contradiction' } });
    expect(readExamples(file, t).map((e) => e.label)).toEqual([0, 2]);
  });

  it('reads regression targets and unlabelled files', () => {
    const file = writeTemp('r.tsv', 'a\tb\t4.5\nc\td\t-1\n');
    const ex = readExamples(file, task({ type: 'regression', columns: { text_b: 1 } }));
    expect(ex.map((e) => e.label)).toEqual([4.5, -1]);
    const test = writeTemp('t.tsv', 'a\tb\n');
    const un = readExamples(test, task({ type: 'pair', labels: ['0', '1'] }), { labelled: false });
    expect(un).toHaveLength(1);
    expect(un[0].label).toBeNaN();
  });

  it('rejects an unknown label, naming file:line and the label list, hinting at a header', () => {
    const file = writeTemp('s.tsv', 'label\ttext_a\n1\tgood\n');
    expect(failure(() => readExamples(file, task({ type: 'single', labels: ['0', '1'], columns: { label: 0, text_a: 1 } })))).toBe(
      `${file}:1: label "label" is not one of ["0","1"] (labels); is the first row a header? set header: true`,
    );
    const later = writeTemp('s.tsv', '1\tgood\n2\tbad\n');
    expect(failure(() => readExamples(later, task({ type: 'single', labels: ['0', '1'], columns: { label: 0, text_a: 1 } })))).toBe(
      `${later}:2: label "2" is not one of ["0","1"] (labels)`,
    );
  });

  it('rejects a row with the wrong column count (a tab inside a text)', () => {
    const file = writeTemp('p.txt', 'a\tb\t1\na\tb\tc\t0\n');
    expect(failure(() => readExamples(file, task({ type: 'pair', labels: ['0', '1'] })))).toBe(
      `${file}:2: 4 columns, expected 3 like the first row (a tab inside a text?)`,
    );
  });

  it('rejects a mapping that needs more columns than the file has', () => {
    const file = writeTemp('s.txt', 'good\t1\n');
    expect(failure(() => readExamples(file, task({ type: 'pair', labels: ['0', '1'] })))).toBe(
      `${file}:1: 2 columns, but the column mapping needs 3 (columns.text_a=0, columns.text_b=1, columns.label=2)`,
    );
  });

  it('rejects a column name missing from the header', () => {
    const file = writeTemp('s.tsv', 'label\tsentence\n1\tgood\n');
    expect(failure(() => readExamples(file, task({ type: 'single', header: true, labels: ['0', '1'] })))).toBe(
      `${file}:1: the header has no column "text_a" (columns.text_a); header: ["label","sentence"]`,
    );
  });

  it('rejects a regression label that is not a number', () => {
    const file = writeTemp('r.tsv', 'a\tb\tx\n');
    expect(failure(() => readExamples(file, task({ type: 'regression', columns: { text_b: 1 } })))).toBe(
      `${file}:1: label "x" is not a number (regression task)`,
    );
  });

  it('names the file when it cannot be read, and the task split when it is missing', () => {
    expect(failure(() => readExamples('/no/such.tsv', task({ type: 'single', labels: ['0', '1'] })))).toBe('/no/such.tsv: cannot read (ENOENT)');
    expect(failure(() => readTaskSplit(task({ type: 'single', labels: ['0', '1'] }), 'dev', { taskName: 'chnsenticorp' }))).toBe(
      'tasks.chnsenticorp.dev: the task has no dev file',
    );
  });

  it('messages of a recipe task name its recipe fields (tasks.NAME.header, tasks.NAME.columns.text_b)', () => {
    const dev = writeTemp('s.tsv', 'label\ttext_a\n1\tgood\n');
    const t = { ...task({ type: 'single', labels: ['0', '1'], columns: { label: 0, text_a: 1 } }), dev };
    expect(failure(() => readTaskSplit(t, 'dev', { taskName: 'senti' }))).toBe(
      `${dev}:1: label "label" is not one of ["0","1"] (tasks.senti.labels); is the first row a header? set tasks.senti.header: true`,
    );
    const pair = { ...task({ type: 'pair', format: 'jsonl', labels: ['0', '1'], columns: { text_a: 'a', text_b: 'b' } }), dev: writeTemp('p.jsonl', '{"a": "x", "label": "1"}\n') };
    expect(failure(() => readTaskSplit(pair, 'dev', { taskName: 'nli' }))).toMatch(/p\.jsonl:1: no key "b" \(tasks\.nli\.columns\.text_b\); keys: a, label$/);
  });
});

describe('readExamples: csv', () => {
  it('reads RFC 4180 quoting: commas, doubled quotes and newlines inside quotes', () => {
    const file = writeTemp('d.csv', 'text_a,label\r\n"a, b",1\r\n"say ""hi""\nthen go",0\r\nplain,1');
    const ex = readExamples(file, task({ type: 'single', format: 'csv', header: true, labels: ['0', '1'] }));
    expect(ex).toEqual([
      { textA: 'a, b', label: 1, source: `${file}:2` },
      { textA: 'say "hi"\nthen go', label: 0, source: `${file}:3` },
      { textA: 'plain', label: 1, source: `${file}:5` },
    ]);
  });

  it('rejects an unclosed quote and text after a closing quote, naming the line', () => {
    const open = writeTemp('d.csv', 'a,1\n"b,0\n');
    expect(failure(() => readExamples(open, task({ type: 'single', format: 'csv', labels: ['0', '1'] })))).toBe(
      `${open}:2: quoted field is never closed (RFC 4180 CSV)`,
    );
    const after = writeTemp('d.csv', 'a,1\n"b"x,0\n');
    expect(failure(() => readExamples(after, task({ type: 'single', format: 'csv', labels: ['0', '1'] })))).toBe(
      `${after}:2: expected "," or end of line after a closing quote, saw "x"`,
    );
  });
});

describe('readExamples: jsonl', () => {
  const t = task({
    type: 'pair',
    train: 'x.json',
    labels: ['entailment', 'neutral', 'contradiction'],
    skip_labels: ['-'],
    columns: { text_a: 'sentence1', text_b: 'sentence2' },
  });

  it('reads objects by key, skipping listed labels', () => {
    const file = writeTemp('d.json', '{"sentence1":"a","sentence2":"b","label":"neutral"}\n{"sentence1":"c","sentence2":"d","label":"-"}\n\n');
    expect(readExamples(file, t)).toEqual([{ textA: 'a', textB: 'b', label: 1, source: `${file}:1` }]);
  });

  it('reads a JSON array file and numeric labels', () => {
    const file = writeTemp('d.json', '[{"text_a":"x","label":1}]');
    expect(readExamples(file, task({ type: 'single', train: 'a.json', labels: ['0', '1'] }))).toEqual([{ textA: 'x', label: 1, source: `${file}[0]` }]);
  });

  it('rejects a missing key, a bad line and a non-object, naming file:line', () => {
    const missing = writeTemp('d.json', '{"sentence1":"a","label":"neutral"}\n');
    expect(failure(() => readExamples(missing, t))).toBe(`${missing}:1: no key "sentence2" (columns.text_b); keys: sentence1, label`);
    const broken = writeTemp('d.json', '{"sentence1":"a"}\n{oops\n');
    expect(failure(() => readExamples(broken, t))).toMatch(new RegExp(`^${broken}:2: not a JSON object \\(`));
    const scalar = writeTemp('d.json', '"just text"\n');
    expect(failure(() => readExamples(scalar, t))).toBe(`${scalar}:1: expected a JSON object with the task's keys, saw "just text"`);
    const array = writeTemp('d.json', '[1, 2]\n');
    expect(failure(() => readExamples(array, t))).toBe(`${array}[0]: expected a JSON object with the task's keys, saw 1`);
  });

  it('rejects a text that is not a string', () => {
    const file = writeTemp('d.json', '{"sentence1":null,"sentence2":"b","label":"neutral"}\n');
    expect(failure(() => readExamples(file, t))).toBe(`${file}:1: text_a should be text, saw null`);
  });
});
