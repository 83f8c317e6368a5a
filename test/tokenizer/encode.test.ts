/**
 * encode(): [CLS] a [SEP] b [SEP], token types, task_distill.py truncation and padding.
 */
import { describe, expect, it } from 'vitest';
import { BertTokenizer, truncateSeqPair, Vocab } from '../../src/tokenizer/index.js';
import { DataError } from '../../src/errors.js';

// ids: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4, then a..h = 5..12
const tok = new BertTokenizer(Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...'abcdefgh']));

describe('encode', () => {
  it('single text: [CLS] a [SEP], all type 0, offsets null on specials', () => {
    const enc = tok.encode('A b');
    expect(enc).toEqual({
      tokens: ['[CLS]', 'a', 'b', '[SEP]'],
      inputIds: [2, 5, 6, 3],
      tokenTypeIds: [0, 0, 0, 0],
      attentionMask: [1, 1, 1, 1],
      offsets: [null, [0, 1], [2, 3], null],
      segment: [-1, 0, 0, -1],
      length: 4,
    });
  });

  it('pair: type 1 on b including its [SEP]; offsets index each own text', () => {
    const enc = tok.encode('a b', 'c');
    expect(enc.tokens).toEqual(['[CLS]', 'a', 'b', '[SEP]', 'c', '[SEP]']);
    expect(enc.tokenTypeIds).toEqual([0, 0, 0, 0, 1, 1]);
    expect(enc.segment).toEqual([-1, 0, 0, -1, 1, -1]);
    expect(enc.offsets).toEqual([null, [0, 1], [2, 3], null, [0, 1], null]);
  });

  it('pads with id 0, type 0, mask 0 up to maxLength', () => {
    const enc = tok.encode('a', 'b', { maxLength: 7, padToMaxLength: true });
    expect(enc.inputIds).toEqual([2, 5, 3, 6, 3, 0, 0]);
    expect(enc.tokenTypeIds).toEqual([0, 0, 0, 1, 1, 0, 0]);
    expect(enc.attentionMask).toEqual([1, 1, 1, 1, 1, 0, 0]);
    expect(enc.segment).toEqual([-1, 0, -1, 1, -1, -1, -1]);
    expect(enc.tokens.slice(5)).toEqual(['[PAD]', '[PAD]']);
    expect(enc.length).toBe(5);
    expect(tok.encode('a', 'b', { maxLength: 7 }).inputIds).toHaveLength(5);
  });

  it('pair truncation pops from the longer side, from b on ties (maxLength - 3)', () => {
    // a has 5 pieces, b has 2, budget 4: a is the longer one each time (5,2 -> 4,2 -> 3,2 -> 2,2)
    expect(tok.encode('a b c d e', 'f g', { maxLength: 7 }).tokens).toEqual([
      '[CLS]', 'a', 'b', '[SEP]', 'f', 'g', '[SEP]',
    ]);
    // equal lengths: b is popped first
    expect(tok.encode('a b c', 'd e f', { maxLength: 8 }).tokens).toEqual([
      '[CLS]', 'a', 'b', 'c', '[SEP]', 'd', 'e', '[SEP]',
    ]);
    expect(truncateSeqPair(5, 2, 4)).toEqual([2, 2]);
    expect(truncateSeqPair(3, 3, 5)).toEqual([3, 2]);
    expect(truncateSeqPair(1, 9, 4)).toEqual([1, 3]);
    expect(truncateSeqPair(2, 2, 10)).toEqual([2, 2]);
  });

  it('single truncation keeps the first maxLength - 2 pieces', () => {
    expect(tok.encode('a b c d e', null, { maxLength: 4 }).tokens).toEqual(['[CLS]', 'a', 'b', '[SEP]']);
  });

  it('empty b means no pair; b without tokens truncates a to maxLength - 3 but adds no [SEP]', () => {
    expect(tok.encode('a b c', '', { maxLength: 5 }).tokens).toEqual(['[CLS]', 'a', 'b', 'c', '[SEP]']);
    expect(tok.encode('a b c', '   ', { maxLength: 5 }).tokens).toEqual(['[CLS]', 'a', 'b', '[SEP]']);
  });

  it('rejects a maxLength too small for the special tokens, and padding without maxLength', () => {
    expect(() => tok.encode('a', 'b', { maxLength: 2 })).toThrow(DataError);
    expect(() => tok.encode('a', 'b', { maxLength: 2 })).toThrow(/maxLength 2 is too small.*pair needs at least 3/);
    expect(() => tok.encode('a', null, { maxLength: 1 })).toThrow(/at least 2/);
    expect(() => tok.encode('a', null, { padToMaxLength: true })).toThrow(/padToMaxLength needs a maxLength/);
  });

  it('special ids, id/token conversion and its errors', () => {
    expect([tok.padId, tok.unkId, tok.clsId, tok.sepId, tok.maskId]).toEqual([0, 1, 2, 3, 4]);
    expect(tok.convertTokensToIds(['a', '[UNK]'])).toEqual([5, 1]);
    expect(tok.convertIdsToTokens([2, 12])).toEqual(['[CLS]', 'h']);
    expect(() => tok.convertTokensToIds(['zz'])).toThrow(/token "zz" is not in the vocabulary/);
    expect(() => tok.convertIdsToTokens([13])).toThrow(/token id 13 is outside the vocabulary \(ids 0..12\)/);
    const bare = new BertTokenizer(Vocab.fromTokens(['a']));
    expect(() => bare.maskId).toThrow(/the vocabulary has no \[MASK\] token/);
    expect(() => new BertTokenizer(Vocab.fromTokens(['a']), { maxInputCharsPerWord: 0 })).toThrow(
      /maxInputCharsPerWord must be a positive integer, got 0/,
    );
  });
});
