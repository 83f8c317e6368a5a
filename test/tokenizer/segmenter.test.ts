import { describe, expect, it } from 'vitest';
import { segmentWords, wordSpans } from '../../src/tokenizer/segmenter.js';

describe('segmentWords', () => {
  it('splits Chinese into dictionary words and keeps every character', () => {
    const text = '南京市长江大桥，hello world 2024年！';
    const words = segmentWords(text);
    expect(words.join('')).toBe(text);
    expect(words).toContain('长江大桥');
    expect(words).toContain('hello');
    expect(words.length).toBeLessThan([...text].length);
  });

  it('gives spans that index the original text', () => {
    const text = '这家酒店的服务很好';
    const spans = wordSpans(text);
    expect(spans.map(([a, b]) => text.slice(a, b)).join('|')).toBe(segmentWords(text).join('|'));
    expect(spans[0][0]).toBe(0);
    expect(spans.at(-1)![1]).toBe(text.length);
  });

  it('returns nothing for empty text', () => {
    expect(segmentWords('')).toEqual([]);
  });
});
