/** The streamed reader of tsv and JSON-lines files reads what the whole-file reader reads. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classificationDataset } from '../../src/augment/classification-io.js';
import { readRows } from '../../src/data/rows.js';
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
});
