import { describe, expect, it } from 'vitest';
import { corpusFeature, toFeatures, type Example } from '../../src/data/index.js';
import { fakeTokenizer } from './helpers.js';

describe('toFeatures', () => {
  const examples: Example[] = [
    { textA: '今天天气好', label: 1, source: 'f:1' },
    { textA: '你好吗', textB: '我很好', label: 0, source: 'f:2' },
    { textA: '没有标签', label: NaN, source: 'f:3' },
  ];

  it('encodes single and pair examples unpadded, keeping labels', () => {
    const [single, pair, unlabelled] = toFeatures(examples, fakeTokenizer, 16);
    expect(single.inputIds).toHaveLength(7);
    expect(single.inputIds[0]).toBe(1);
    expect(single.inputIds.at(-1)).toBe(2);
    expect(single.tokenTypeIds).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(single.label).toBe(1);
    expect(pair.tokenTypeIds).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(pair.label).toBe(0);
    expect('label' in unlabelled).toBe(false);
  });

  it('truncates to max_seq_length through the tokenizer', () => {
    const [single, pair] = toFeatures(examples, fakeTokenizer, 5);
    expect(single.inputIds).toHaveLength(5);
    expect(pair.inputIds).toHaveLength(5);
  });

  it('strips padding if the tokenizer pads', () => {
    const padding = { encode: () => ({ inputIds: [1, 5, 2, 0, 0], tokenTypeIds: [0, 0, 0, 0, 0], length: 3 }) };
    expect(toFeatures([examples[0]], padding, 5)[0].inputIds).toEqual([1, 5, 2]);
  });
});

describe('corpusFeature', () => {
  it('wraps packed ids in [CLS] ... [SEP] with token type 0', () => {
    expect(corpusFeature([7, 8], 101, 102)).toEqual({ inputIds: [101, 7, 8, 102], tokenTypeIds: [0, 0, 0, 0] });
  });
});
