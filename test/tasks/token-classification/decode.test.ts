import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../../src/errors.js';
import { charTokens, decodeEntities, predictionLines, readSentences } from '../../../src/tasks/token-classification/index.js';
import { writeTemp } from '../../data/helpers.js';
import { DATA, describeData } from '../../helpers/shared.js';

describe('decoding NER predictions', () => {
  it('returns entities with character offsets into the original text', () => {
    const text = '张三去北京。';
    expect(decodeEntities(charTokens(text), ['B-PER', 'I-PER', 'O', 'B-LOC', 'I-LOC', 'O'])).toEqual([
      { type: 'PER', start: 0, end: 2, text: '张三' },
      { type: 'LOC', start: 3, end: 5, text: '北京' },
    ]);
  });

  it('counts offsets in UTF-16 units past a character outside the BMP and a space', () => {
    const text = '𠀀 王五';
    const e = decodeEntities(charTokens(text), ['O', 'O', 'B-PER', 'E-PER']);
    expect(e).toEqual([{ type: 'PER', start: 3, end: 5, text: '王五' }]);
    expect(text.slice(e[0].start, e[0].end)).toBe(e[0].text);
  });

  it('maps word tokens of a conll file back to the text they spell', () => {
    const [s] = readSentences(writeTemp('a.conll', 'EU B-ORG\nrejects O\nGerman B-MISC\n'), 'conll');
    expect(decodeEntities(s, ['B-ORG', 'O', 'B-MISC'])).toEqual([
      { type: 'ORG', start: 0, end: 2, text: 'EU' },
      { type: 'MISC', start: 11, end: 17, text: 'German' },
    ]);
  });

  it('refuses a tag count that does not match the tokens', () => {
    expect(() => decodeEntities(charTokens('张三'), ['O'])).toThrow(ShapeError);
  });

  it('writes `token gold predicted` lines with a blank line after each sentence (conlleval input)', () => {
    const lines = predictionLines(
      [
        { tokens: ['张', '三'], tags: ['B-PER', 'I-PER'] },
        { tokens: ['\u3000', '京'], tags: ['O', 'S-LOC'] },
      ],
      [['B-PER', 'O'], ['O', 'S-LOC']],
    );
    expect(lines).toEqual(['张 B-PER B-PER', '三 I-PER O', '', '_ O O', '京 S-LOC S-LOC', '']);
  });

  it('refuses predictions for a different number of sentences or tokens', () => {
    expect(() => predictionLines([{ tokens: ['a'], tags: ['O'] }], [])).toThrow(/1 sentences but 0 predictions/);
    expect(() => predictionLines([{ tokens: ['a'], tags: ['O'] }], [['O', 'O']])).toThrow(/sentence 1: 1 tokens but 2 predicted tags/);
  });
});

describeData('prediction lines of the real dev files', () => {
  it('writes one line per input token of pd_ner dev and ner_weibo dev, and every entity decodes to its own text', () => {
    for (const [file, format, tokens] of [
      ['pd_ner/conll_format/example.dev', 'conll', 109870],
      ['ner_weibo/dev.json', 'jsonl', 14509],
    ] as const) {
      const sentences = readSentences(join(DATA, file), format);
      const lines = predictionLines(sentences, sentences.map((s) => s.tags));
      expect(lines.filter((l) => l !== '')).toHaveLength(tokens);
      expect(lines.every((l) => l === '' || l.split(' ').length === 3)).toBe(true);
      for (const s of sentences) {
        for (const e of decodeEntities(s, s.tags)) expect(s.text.slice(e.start, e.end)).toBe(e.text);
      }
    }
  });
});
