import { describe, expect, it } from 'vitest';
import { segmentText } from '../../src/augment/units.js';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { Vocab } from '../../src/tokenizer/vocab.js';

const tokenizer = new BertTokenizer(new Vocab(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '我', '喜', '欢', '这', '部', '电', '影', '很', '好', '，', 'good', 'mov', '##ie', '1', '2']));
const plain = { wholeWord: false, stopWords: new Set<string>(), hasVector: () => false, eligible: () => true };

describe('replaceable units', () => {
  it('makes every Chinese character a unit (the reference\'s [a-z]+ filter made none)', () => {
    const s = segmentText('我喜欢这部电影', tokenizer, plain);
    expect(s.units.map((u) => u.word)).toEqual([...'我喜欢这部电影']);
    expect(s.units.every((u) => u.source === 'mlm' && u.positions.length === 1)).toBe(true);
  });

  it('skips punctuation, digits and stop words', () => {
    const s = segmentText('我，12很好', tokenizer, { ...plain, stopWords: new Set(['很']) });
    expect(s.units.map((u) => u.word)).toEqual(['我', '好']);
  });

  it('gives a multi-piece word to the word vectors only when the file has it', () => {
    expect(segmentText('good movie', tokenizer, plain).units.map((u) => u.word)).toEqual(['good']);
    const s = segmentText('good movie', tokenizer, { ...plain, hasVector: (w) => w === 'movie' });
    expect(s.units.map((u) => [u.word, u.source, u.positions])).toEqual([['good', 'mlm', [0]], ['movie', 'vectors', [1, 2]]]);
  });

  it('whole-word mode masks all characters of a jieba word together', () => {
    const s = segmentText('我喜欢这部电影', tokenizer, { ...plain, wholeWord: true });
    expect(s.units.map((u) => u.word)).toEqual(['我', '喜欢', '这部', '电影']);
    expect(s.units.find((u) => u.word === '电影')!.positions).toEqual([5, 6]);
  });

  it('a whole word that is a stop word is not replaced character by character either', () => {
    const s = segmentText('我喜欢这部电影', tokenizer, { ...plain, wholeWord: true, stopWords: new Set(['电影']) });
    expect(s.units.map((u) => u.word)).toEqual(['我', '喜欢', '这部']);
  });

  it('leaves spans the caller protects', () => {
    const s = segmentText('我喜欢这部电影', tokenizer, { ...plain, eligible: (start) => start >= 3 });
    expect(s.units.map((u) => u.word)).toEqual([...'这部电影']);
  });
});
