/**
 * tokenizeWithOffsets: every word piece maps back to the span of the ORIGINAL text it came from,
 * through lower-casing, accent stripping, removed characters and surrogate pairs. Tiny vocabularies
 * built here, so these run anywhere.
 */
import { describe, expect, it } from 'vitest';
import { BertTokenizer, Vocab } from '../../src/tokenizer/index.js';

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

function tokenizer(words: string[], opts = {}): BertTokenizer {
  return new BertTokenizer(Vocab.fromTokens([...SPECIALS, ...words]), opts);
}

/** [token, source slice] pairs: what a reader of the offsets sees. */
function spans(tok: BertTokenizer, text: string): [string, string][] {
  const { tokens, offsets } = tok.tokenizeWithOffsets(text);
  expect(offsets.length).toBe(tokens.length);
  return tokens.map((t, i) => [t, text.slice(offsets[i][0], offsets[i][1])]);
}

describe('tokenizeWithOffsets', () => {
  it('CJK ideographs are single tokens with one-unit spans', () => {
    const tok = tokenizer(['我', '爱', '北', '京']);
    expect(tok.tokenizeWithOffsets('我爱 北京')).toEqual({
      tokens: ['我', '爱', '北', '京'],
      offsets: [[0, 1], [1, 2], [3, 4], [4, 5]],
    });
  });

  it('English word pieces point at their part of the cased word', () => {
    const tok = tokenizer(['un', '##aff', '##able', ',', 'runs']);
    expect(spans(tok, 'Unaffable, RUNS')).toEqual([
      ['un', 'Un'],
      ['##aff', 'aff'],
      ['##able', 'able'],
      [',', ','],
      ['runs', 'RUNS'],
    ]);
  });

  it('accents: precomposed and decomposed letters map to the original characters', () => {
    const tok = tokenizer(['cafe', 'na', '##ive', 'e']);
    expect(spans(tok, 'Café naïve')).toEqual([
      ['cafe', 'Café'],
      ['na', 'na'],
      ['##ive', 'ïve'],
    ]);
    // e + U+0301: the stripped mark stays inside the span of the letter it followed.
    expect(spans(tok, 'Cafe\u0301 e\u0301')).toEqual([
      ['cafe', 'Cafe\u0301'],
      ['e', 'e\u0301'],
    ]);
    // a leading lone mark is stripped and attached to the following letter
    expect(spans(tok, '\u0301e')).toEqual([['e', '\u0301e']]);
  });

  it('lower-casing that changes length (İ -> i + U+0307) keeps spans in the source', () => {
    const tok = tokenizer(['is', '##tan', '##bul']);
    expect(spans(tok, 'İstanbul')).toEqual([
      ['is', 'İs'],
      ['##tan', 'tan'],
      ['##bul', 'bul'],
    ]);
  });

  it('full-width letters, digits and punctuation', () => {
    const tok = tokenizer(['ａ', '##ｂ', '##ｃ', '，', '１２', '##３']);
    expect(spans(tok, 'ＡＢＣ，１２３')).toEqual([
      ['ａ', 'Ａ'],
      ['##ｂ', 'Ｂ'],
      ['##ｃ', 'Ｃ'],
      ['，', '，'],
      ['１２', '１２'],
      ['##３', '３'],
    ]);
  });

  it('emoji and other non-BMP characters: spans cover both surrogates', () => {
    const tok = tokenizer(['a', '##😂', '##b', '😂', '𠀀']);
    expect(spans(tok, 'a😂b 😂😂 𠀀𠀁')).toEqual([
      ['a', 'a'],
      ['##😂', '😂'],
      ['##b', 'b'],
      ['😂', '😂'],
      ['##😂', '😂'],
      ['𠀀', '𠀀'],
      ['[UNK]', '𠀁'],
    ]);
  });

  it('[UNK] covers the whole word: no split found, or more than 100 code points', () => {
    const tok = tokenizer(['a', '##a', 'x']);
    expect(spans(tok, 'xyz a')).toEqual([
      ['[UNK]', 'xyz'],
      ['a', 'a'],
    ]);
    const long = '😂'.repeat(101); // 101 code points, 202 UTF-16 units
    expect(tok.tokenizeWithOffsets(`x ${long}`).offsets).toEqual([[0, 1], [2, 204]]);
    expect(tok.tokenize('a'.repeat(100))).toEqual(['a', ...Array(99).fill('##a')]);
    expect(tok.tokenize('a'.repeat(101))).toEqual(['[UNK]']);
    expect(new BertTokenizer(tok.vocab, { maxInputCharsPerWord: 3 }).tokenize('aaaa aaa')).toEqual([
      '[UNK]',
      'a',
      '##a',
      '##a',
    ]);
  });

  it('removed characters join words and stay inside the span (ZWJ, NUL, U+FFFD)', () => {
    const tok = tokenizer(['ab']);
    expect(spans(tok, 'a\u200db a\u0000b a\ufffdb')).toEqual([
      ['ab', 'a\u200db'],
      ['ab', 'a\u0000b'],
      ['ab', 'a\ufffdb'],
    ]);
  });

  it('characters added after Unicode 14 are removed, as the Python 3.11 reference does', () => {
    const tok = tokenizer(['ab']);
    // U+1FAE8 (emoji, Unicode 15.0) and U+31350 (CJK Extension H, 15.0)
    expect(spans(tok, 'a\u{1FAE8}b a\u{31350}b \u{1FAE8}')).toEqual([
      ['ab', 'a\u{1FAE8}b'],
      ['ab', 'a\u{31350}b'],
    ]);
  });

  it('special tokens are kept only as whole whitespace tokens', () => {
    const tok = tokenizer(['a', '[', ']', 'sep', 'cls']);
    expect(spans(tok, '[CLS] a[SEP] [cls]')).toEqual([
      ['[CLS]', '[CLS]'],
      ['a', 'a'],
      ['[', '['],
      ['sep', 'SEP'],
      [']', ']'],
      ['[', '['],
      ['cls', 'cls'],
      [']', ']'],
    ]);
  });

  it('U+2028/U+2029 split words although they are not reference whitespace', () => {
    const tok = tokenizer(['a', 'b', 'c']);
    expect(spans(tok, 'a\u2028b\u2029c')).toEqual([
      ['a', 'a'],
      ['b', 'b'],
      ['c', 'c'],
    ]);
  });

  it('doLowerCase false keeps case and accents', () => {
    const tok = tokenizer(['Café', 'cafe'], { doLowerCase: false });
    expect(tok.tokenize('Café cafe CAFE')).toEqual(['Café', 'cafe', '[UNK]']);
  });

  it('empty and whitespace-only texts give no tokens', () => {
    const tok = tokenizer([]);
    for (const text of ['', ' ', '\t\n\r', '\u3000\u00a0', '\u2028', '\u0000\u200b']) {
      expect(tok.tokenizeWithOffsets(text)).toEqual({ tokens: [], offsets: [] });
    }
  });
});
