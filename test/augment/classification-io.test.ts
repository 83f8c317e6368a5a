/**
 * Classification files for augmentation: read a chunk at a time, as the whole-file reader reads them,
 * and row by row as the classification task reads them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classificationDataset } from '../../src/augment/classification-io.js';
import { readExamples, readRows } from '../../src/data/index.js';
import { tempDir } from './fixtures.js';

const opts = { header: true, skipLabels: [], labelAliases: {} };

describe('classification files, read a chunk at a time', () => {
  it('a tsv with a byte-order mark, CRLF line ends, blank lines and no final newline: the same rows and line numbers', async () => {
    const file = join(tempDir(), 'tricky.tsv');
    writeFileSync(file, '\uFEFFlabel\ttext_a\r\n1\t我喜欢\r\n\r\n\n0\t不好\r\n1\t很好');
    const ds = await classificationDataset(file, opts);
    expect(ds.count).toBe(3);
    expect(ds.head).toBe('label\ttext_a\n');
    const items = [...(await ds.items(0, 2)), ...(await ds.items(2, 3))];
    const whole = readRows(file, 'tsv').slice(1);
    expect(items.map((i) => [i.source, i.texts[0]])).toEqual(whole.map((r) => [r.source, (r.cells as string[])[1]]));
    expect(items.map((i) => i.source)).toEqual([`${file}:2`, `${file}:5`, `${file}:6`]);
  });

  it('a bad JSON line far into the file is refused before anything is written, naming its line', async () => {
    const file = join(tempDir(), 'bad.jsonl');
    writeFileSync(file, `${Array.from({ length: 50 }, () => '{"text_a":"好"}').join('\n')}\n{"text_a": 好}\n`);
    await expect(classificationDataset(file, opts)).rejects.toThrow(/bad\.jsonl:51: not a JSON object/);
  });

  it('a JSON array is still read (whole)', async () => {
    const file = join(tempDir(), 'array.json');
    writeFileSync(file, ' [{"text_a":"我喜欢","label":"1"},{"text_a":"不好","label":"0"}]');
    const ds = await classificationDataset(file, { ...opts, format: 'jsonl' });
    expect((await ds.items(1, 2))[0]!.texts).toEqual(['不好']);
  });

  it('texts, skipped rows and guard labels are those the classification task reads', async () => {
    const file = join(tempDir(), 'ocnli.jsonl');
    writeFileSync(file, '{"s1":"好","s2":"很好","label":"entailment"}\n{"s1":"差","s2":"不差","label":"-"}\n{"s1":"一般","s2":"还行","label":"neutral "}\n');
    const columns = { text_a: 's1', text_b: 's2', label: 'label' };
    const labels = ['entailment', 'neutral'];
    const ds = await classificationDataset(file, { header: false, textA: 's1', textB: 's2', labels, skipLabels: ['-'], labelAliases: {} });
    const items = await ds.items(0, 3);
    const examples = readExamples(file, { type: 'pair', format: 'jsonl', header: false, columns, labels, skip_labels: ['-'] });
    expect(items.filter((i) => !i.passThrough).map((i) => [i.source, i.texts, i.label])).toEqual(examples.map((e) => [e.source, [e.textA, e.textB], e.label]));
    expect(items.map((i) => i.passThrough ?? false)).toEqual([false, true, false]);
    expect(items[1]!.render([], 0, false)).toBe('{"s1":"差","s2":"不差","label":"-"}\n');
  });

  it('a row with a tab inside a text is refused as the classification task refuses it', async () => {
    const file = join(tempDir(), 'tab.tsv');
    writeFileSync(file, 'label\ttext_a\n1\t好\n0\t不\t好\n');
    const ds = await classificationDataset(file, opts);
    await expect(ds.items(0, 2)).rejects.toThrow(/tab\.tsv:3: 3 columns, expected 2 like the header \(a tab inside a text\?\)/);
  });
});
