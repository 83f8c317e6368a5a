import { describe, expect, it } from 'vitest';
import { csvRows, jsonlRows, readRows, tsvRows } from '../../src/data/index.js';
import { DataError } from '../../src/errors.js';
import { writeTemp } from './helpers.js';

describe('tsvRows', () => {
  it('splits on every tab, keeps quotes as text, drops \\r and skips blank lines', () => {
    expect(tsvRows('f', 'a\t"b\r\n\n\tc\n')).toEqual([
      { cells: ['a', '"b'], source: 'f:1' },
      { cells: ['', 'c'], source: 'f:3' },
    ]);
  });
});

describe('csvRows', () => {
  it('keeps empty fields, skips blank lines, counts lines inside quoted fields', () => {
    expect(csvRows('f', 'a,,b\n\n"x\ny",2\nlast,')).toEqual([
      { cells: ['a', '', 'b'], source: 'f:1' },
      { cells: ['x\ny', '2'], source: 'f:3' },
      { cells: ['last', ''], source: 'f:5' },
    ]);
  });

  it('keeps a quote inside an unquoted field as text', () => {
    expect(csvRows('f', 'say "hi",1')).toEqual([{ cells: ['say "hi"', '1'], source: 'f:1' }]);
  });
});

describe('jsonlRows', () => {
  it('reads one object per line and a whole JSON array', () => {
    expect(jsonlRows('f', '{"a":1}\n\n{"a":2}\n')).toEqual([
      { cells: { a: 1 }, source: 'f:1' },
      { cells: { a: 2 }, source: 'f:3' },
    ]);
    expect(jsonlRows('f', ' [{"a":1}]')).toEqual([{ cells: { a: 1 }, source: 'f[0]' }]);
  });

  it('rejects a broken array naming the file', () => {
    expect(() => jsonlRows('f', '[{"a":1},')).toThrow(DataError);
    expect(() => jsonlRows('f', '[{"a":1},')).toThrow(/^f: not a JSON array \(/);
  });
});

describe('readRows', () => {
  it('dispatches on the format and ignores a byte-order mark', () => {
    const file = writeTemp('d.csv', '\uFEFFa,b\n');
    expect(readRows(file, 'csv')).toEqual([{ cells: ['a', 'b'], source: `${file}:1` }]);
  });
});
