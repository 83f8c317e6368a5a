import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WordVectors } from '../../src/augment/word-vectors.js';
import { tempDir } from './fixtures.js';

function file(text: string): string {
  const path = join(tempDir(), 'vectors.txt');
  writeFileSync(path, text);
  return path;
}

describe('word vectors', () => {
  it('reads word2vec text with its count line and ranks neighbours by cosine, not length', () => {
    const v = WordVectors.fromFile(file('4 2\n电影 1 0\n影片 10 1\n书 0 1\n小说 0.2 1\n'));
    expect(v.nearest('电影', 3)).toEqual(['影片', '小说', '书']);
    expect(v.nearest('书', 1)).toEqual(['小说']);
  });

  it('reads GloVe text (no count line) and knows nothing of absent words', () => {
    const v = WordVectors.fromFile(file('good 1 0 0\nfine 0.9 0.1 0\n'));
    expect(v.nearest('good', 5)).toEqual(['fine']);
    expect(v.nearest('bad', 5)).toEqual([]);
  });

  it('refuses a line with the wrong number of values, naming file and line', () => {
    const path = file('a 1 2\nb 1\n');
    expect(() => WordVectors.fromFile(path)).toThrow(/vectors\.txt:2: expected a word and 2 numbers/);
  });
});
