import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../../src/errors.js';
import { chunks, nerFormatFromPath, readSentences, type NerFormat, type Sentence } from '../../../src/tasks/token-classification/index.js';
import { writeTemp } from '../../data/helpers.js';
import { DATA, describeData } from '../../helpers/shared.js';

function read(name: string, text: string, format: NerFormat, opts = {}): Sentence[] {
  return readSentences(writeTemp(name, text), format, opts);
}

describe('conll reader', () => {
  it('reads a token and a tag per line, a blank line between sentences, skipping -DOCSTART-', () => {
    const s = read('a.conll', '-DOCSTART- O\n\n张 B-PER\n三 I-PER\n\n\n在 O\n京 S-LOC\n', 'conll');
    expect(s.map((x) => [x.tokens, x.tags, x.text])).toEqual([
      [['张', '三'], ['B-PER', 'I-PER'], '张三'],
      [['在', '京'], ['O', 'S-LOC'], '在京'],
    ]);
    expect(s[1].source).toMatch(/a\.conll:7$/);
  });

  it('reads the tag from a configured column, and CRLF line ends', () => {
    const s = read('b.conll', 'EU NNP B-ORG x\r\nrejects VBZ O y\r\n', 'conll', { tagColumn: 2 });
    expect(s[0].tags).toEqual(['B-ORG', 'O']);
    expect(s[0].text).toBe('EU rejects');
    expect(s[0].spans).toEqual([[0, 2], [3, 10]]);
  });

  it('keeps U+3000 as a token: only ASCII spaces and tabs separate columns', () => {
    expect(read('c.conll', '\u3000 O\n中 O\n', 'conll')[0].tokens).toEqual(['\u3000', '中']);
  });

  it('refuses a line holding only U+3000 instead of reading it as a sentence break', () => {
    expect(() => read('h.conll', '张 O\n\u3000\n三 O\n', 'conll')).toThrow(/h\.conll:2: saw "\u3000"; expected a token and a tag/);
  });

  it('refuses a line with a token but no tag, naming file:line', () => {
    expect(() => read('d.conll', '张 B-PER\n三\n', 'conll')).toThrow(DataError);
    expect(() => read('d.conll', '张 B-PER\n三\n', 'conll')).toThrow(/d\.conll:2: saw "三"; expected a token and a tag/);
  });

  it('refuses an empty token (a line starting with a space), naming file:line', () => {
    expect(() => read('e.conll', '张 O\n O\n', 'conll')).toThrow(/e\.conll:2: empty token/);
  });

  it('refuses a tag outside the given label list, naming file:line and the tag', () => {
    expect(() => read('f.conll', '张 B-PER\n三 I-MISC\n', 'conll', { labels: ['O', 'B-PER', 'I-PER'] })).toThrow(
      /f\.conll:2: tag "I-MISC" is not in the label list/,
    );
  });

  it('refuses a malformed tag, naming file:line', () => {
    expect(() => read('g.conll', '张 PER\n', 'conll')).toThrow(/g\.conll:1: tag "PER" is not O or B-\/I-\/M-\/E-\/S-/);
  });
});

describe('jsonl reader', () => {
  it('reads a token list and a string text, one tag per character of the string', () => {
    const s = read('a.jsonl', '{"text": ["张", "三"], "label": ["B-PER", "I-PER"]}\n{"text": "去𠀀京", "label": ["O", "O", "S-LOC"]}\n', 'jsonl');
    expect(s[0].tokens).toEqual(['张', '三']);
    expect(s[1].tokens).toEqual(['去', '𠀀', '京']);
    expect(s[1].spans).toEqual([[0, 1], [1, 3], [3, 4]]);
  });

  it('refuses a token/tag count mismatch, naming file:line and both counts', () => {
    expect(() => read('b.jsonl', '\n{"text": "张三", "label": ["B-PER"]}\n', 'jsonl')).toThrow(/b\.jsonl:2: 2 tokens but 1 tags; expected one tag per token/);
  });

  it('refuses a label that is not a list of strings, and an empty token', () => {
    expect(() => read('c.jsonl', '{"text": "张", "label": "O"}\n', 'jsonl')).toThrow(/c\.jsonl:1: "label" is "O"; expected a list of tag strings/);
    expect(() => read('d.jsonl', '{"text": ["张", ""], "label": ["O", "O"]}\n', 'jsonl')).toThrow(/d\.jsonl:1: token 2: empty token/);
  });
});

describe('ernie reader', () => {
  it('reads \\x02-joined tokens and tags under a text_a/label header', () => {
    const s = read('a.tsv', 'text_a\tlabel\n张\x02三\x02去\tB-PER\x02I-PER\x02O\n', 'ernie');
    expect(s[0].tokens).toEqual(['张', '三', '去']);
    expect(s[0].source).toMatch(/a\.tsv:2$/);
  });

  it('refuses a file without the text_a/label header', () => {
    expect(() => read('b.tsv', '张\x02三\tB-PER\x02I-PER\n', 'ernie')).toThrow(/b\.tsv:1: header .*expected the columns text_a and label/);
  });

  it('refuses a token/tag count mismatch, naming file:line', () => {
    expect(() => read('c.tsv', 'text_a\tlabel\n张\x02三\tB-PER\n', 'ernie')).toThrow(/c\.tsv:2: 2 tokens but 1 tags/);
  });
});

describe('bmes reader', () => {
  it('reads spaced tokens, a tab, spaced tags, one sentence per line', () => {
    const s = read('a.char.bmes', '张 三 去\tB-NAME E-NAME O\n', 'bmes');
    expect(chunks(s[0].tags)).toEqual([{ type: 'NAME', start: 0, end: 2 }]);
  });

  it('refuses a line without the tab, naming file:line', () => {
    expect(() => read('b.char.bmes', '张 三\tB-NAME E-NAME\n张 三 B-NAME E-NAME\n', 'bmes')).toThrow(/b\.char\.bmes:2: 1 tab-separated fields/);
  });
});

it('picks the format from the file name', () => {
  expect(nerFormatFromPath('dev.char.bmes')).toBe('bmes');
  expect(nerFormatFromPath('dev.all.bmes')).toBe('conll');
  expect(nerFormatFromPath('dev.json')).toBe('jsonl');
  expect(nerFormatFromPath('dev.tsv')).toBe('ernie');
  expect(nerFormatFromPath('example.dev')).toBe('conll');
});

describeData('the NER files of ../shared/data', () => {
  const count = (file: string, format: NerFormat) => {
    const s = readSentences(join(DATA, file), format);
    for (const x of s) expect(x.text.slice(x.spans[0][0], x.spans.at(-1)![1])).toBe(x.text);
    return { sentences: s.length, tokens: s.reduce((n, x) => n + x.tokens.length, 0), entities: s.reduce((n, x) => n + chunks(x.tags).length, 0) };
  };

  it('reads pd_ner dev alike in its conll and ernie formats', () => {
    const want = { sentences: 2318, tokens: 109870, entities: 3819 };
    expect(count('pd_ner/conll_format/example.dev', 'conll')).toEqual(want);
    expect(count('pd_ner/ernie_format/dev.tsv', 'ernie')).toEqual(want);
  });

  it('reads ner_resume alike from its BIO+S json lines and its BMES char files', () => {
    for (const [split, want] of [
      ['dev', { sentences: 463, tokens: 13890, entities: 1497 }],
      ['train', { sentences: 3821, tokens: 124099, entities: 13440 }],
    ] as const) {
      expect(count(`ner_resume/${split}.json`, 'jsonl')).toEqual(want);
      expect(count(`ner_resume/${split}.char.bmes`, 'bmes')).toEqual(want);
    }
  });

  it('reads ner_weibo alike from its json lines and its char-per-line BMES files', () => {
    for (const [split, want] of [
      ['dev', { sentences: 270, tokens: 14509, entities: 389 }],
      ['train', { sentences: 1350, tokens: 73778, entities: 1895 }],
    ] as const) {
      expect(count(`ner_weibo/${split}.json`, 'jsonl')).toEqual(want);
      expect(count(`ner_weibo/${split}.all.bmes`, 'conll')).toEqual(want);
    }
  });

  it('reads msra_ner train', () => {
    expect(count('msra_ner/train.txt', 'conll')).toEqual({ sentences: 53146, tokens: 2252010, entities: 77769 });
  });
});
