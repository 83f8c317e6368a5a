/** Records read a slice at a time are the records `readRows` reads, with the same sources and rejections. */
import { describe, expect, it } from 'vitest';
import { indexRows, readRows, type DataFormat } from '../../src/data/index.js';
import { writeTemp } from './helpers.js';

async function sliced(file: string, format: DataFormat, size: number) {
  const index = await indexRows(file, format);
  const out = [];
  for (let from = 0; from < index.count; from += size) out.push(...(await index.rows(from, Math.min(index.count, from + size))));
  return { index, rows: out };
}

describe('indexRows', () => {
  it('a tsv with a byte-order mark, CRLF line ends, blank lines and no final newline: the rows and lines of readRows', async () => {
    const file = writeTemp('tricky.tsv', '\uFEFFlabel\ttext_a\r\n1\t我喜欢\r\n\r\n\n0\t不好\r\n1\t很好');
    const { index, rows } = await sliced(file, 'tsv', 2);
    expect(rows).toEqual(readRows(file, 'tsv'));
    expect(index.first).toEqual(rows.slice(0, 2));
    expect(rows.map((r) => r.source)).toEqual([`${file}:1`, `${file}:2`, `${file}:5`, `${file}:6`]);
  });

  it('JSON lines with blank lines: the objects and lines of readRows', async () => {
    const file = writeTemp('a.jsonl', '{"text_a":"好","label":1}\n\n  \n{"text_a":"差","label":0}\n');
    expect((await sliced(file, 'jsonl', 1)).rows).toEqual(readRows(file, 'jsonl'));
  });

  it('a bad JSON line far into the file is refused when indexing, naming its line', async () => {
    const file = writeTemp('bad.jsonl', `${Array.from({ length: 50 }, () => '{"text_a":"好"}').join('\n')}\n{"text_a": 好}\n`);
    await expect(indexRows(file, 'jsonl')).rejects.toThrow(/bad\.jsonl:51: not a JSON object/);
  });

  it('csv and a JSON array are read whole, as readRows reads them', async () => {
    const csv = writeTemp('q.csv', 'text_a,label\n"多\n行",1\n好,0\n');
    expect((await sliced(csv, 'csv', 1)).rows).toEqual(readRows(csv, 'csv'));
    const array = writeTemp('array.json', ' [{"text_a":"我喜欢","label":"1"},{"text_a":"不好","label":"0"}]');
    expect((await sliced(array, 'jsonl', 1)).rows).toEqual(readRows(array, 'jsonl'));
  });
});
