/**
 * tokenizer.json (Hugging Face tokenizers format): what we write, that our tokenizer built from it
 * tokenizes as from vocab.txt, and that a file describing another pipeline is refused by field.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { BertTokenizer, tokenizerJson, tokenizeText, Vocab } from '../../src/tokenizer/index.js';
import { DATA, describeData, describeGolden, GOLDEN } from '../helpers/shared.js';

const SMALL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'b', '##b', 'é', 'e', '好', '!'];

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'tinybert-tokjson-'));
}

/** Writes `value` as a tokenizer.json in a fresh folder and returns its path. */
function writeJson(value: unknown, name = 'tokenizer.json'): string {
  const path = join(tmp(), name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

/** A tokenizer.json of SMALL with `edit` applied to the parsed object. */
function edited(edit: (j: Record<string, any>) => void): string {
  const j = tokenizerJson(SMALL, { doLowerCase: true }) as Record<string, any>;
  edit(j);
  return writeJson(j);
}

function jsonFromVocabTxt(vocabTxt: string, doLowerCase = true): string {
  return writeJson(tokenizerJson(Vocab.fromFile(vocabTxt).tokens(), { doLowerCase }));
}

describe('tokenizer.json written', () => {
  it('states the BERT pipeline: BertNormalizer, BertPreTokenizer, WordPiece, TemplateProcessing, special added_tokens', () => {
    const j = tokenizerJson(SMALL, { doLowerCase: true }) as Record<string, any>;
    expect(j.normalizer).toEqual({ type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: true, lowercase: true });
    expect(j.pre_tokenizer).toEqual({ type: 'BertPreTokenizer' });
    expect(j.model).toMatchObject({ type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100 });
    expect(j.model.vocab).toEqual(Object.fromEntries(SMALL.map((t, i) => [t, i])));
    expect(j.truncation).toBeNull();
    expect(j.padding).toBeNull();
    expect(j.added_tokens.map((t: { id: number; content: string; special: boolean }) => [t.id, t.content, t.special])).toEqual([
      [0, '[PAD]', true], [1, '[UNK]', true], [2, '[CLS]', true], [3, '[SEP]', true], [4, '[MASK]', true],
    ]);
    expect(j.post_processor.type).toBe('TemplateProcessing');
    expect(j.post_processor.pair).toEqual([
      { SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } },
      { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } },
    ]);
    expect(j.post_processor.special_tokens['[SEP]']).toEqual({ id: '[SEP]', ids: [3], tokens: ['[SEP]'] });
  });

  it('a vocabulary without [CLS] / [SEP] gets no post-processor rather than one naming absent tokens', () => {
    const j = tokenizerJson(['[UNK]', 'a'], { doLowerCase: true }) as Record<string, any>;
    expect(j.post_processor).toBeNull();
    expect(j.added_tokens.map((t: { content: string }) => t.content)).toEqual(['[UNK]']);
  });
});

describe('tokenizer.json read', () => {
  it('a cased tokenizer.json (lowercase false) keeps case and accents unless the caller says otherwise', async () => {
    const path = writeJson(tokenizerJson(['[UNK]', '[CLS]', '[SEP]', 'A', 'a', 'é', 'e'], { doLowerCase: false }));
    expect(BertTokenizer.fromVocabFile(path).tokenize('A é')).toEqual(['A', 'é']);
    expect(BertTokenizer.fromVocabFile(path, { doLowerCase: true }).tokenize('A é')).toEqual(['a', 'e']);
    expect((await tokenizeText({ vocab: path, text: 'A é' })).tokens).toEqual(['[CLS]', 'A', 'é', '[SEP]']);
  });

  it('reads unk_token and max_input_chars_per_word from the WordPiece model', () => {
    const path = edited((j) => {
      j.model.max_input_chars_per_word = 2;
    });
    expect(BertTokenizer.fromVocabFile(path).tokenize('ab abb')).toEqual(['a', '##b', '[UNK]']);
  });

  it('encode gives the same ids, types and mask from tokenizer.json as from vocab.txt', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'vocab.txt'), `${SMALL.join('\n')}\n`);
    const fromTxt = BertTokenizer.fromVocabFile(join(dir, 'vocab.txt'));
    const fromJson = BertTokenizer.fromVocabFile(jsonFromVocabTxt(join(dir, 'vocab.txt')));
    expect(fromJson.encode('ab É!', '好b', { maxLength: 12, padToMaxLength: true })).toEqual(
      fromTxt.encode('ab É!', '好b', { maxLength: 12, padToMaxLength: true }),
    );
  });

  const refused: [string, () => string, RegExp][] = [
    ['refuses a tokenizer.json that is not JSON', () => writeJson('{"model": '), /not valid JSON/],
    ['refuses a BPE model (model.type)', () => edited((j) => { j.model.type = 'BPE'; }), /model\.type is "BPE"; expected "WordPiece"/],
    ['refuses a missing vocabulary (model.vocab)', () => edited((j) => { delete j.model.vocab; }), /model\.vocab is undefined; expected an object/],
    ['refuses an empty vocabulary (model.vocab)', () => edited((j) => { j.model.vocab = {}; }), /model\.vocab is \{\}; expected at least one token/],
    ['refuses ids with a gap (model.vocab)', () => edited((j) => { j.model.vocab = { a: 0, b: 2 }; }), /model\.vocab\["b"\] is 2; expected an id in 0\.\.1/],
    ['refuses two tokens with one id (model.vocab)', () => edited((j) => { j.model.vocab = { a: 0, b: 0 }; }), /model\.vocab\["b"\] is 0; expected an id of its own \("a" has it too\)/],
    ['refuses another subword prefix', () => edited((j) => { j.model.continuing_subword_prefix = '@@'; }), /model\.continuing_subword_prefix is "@@"/],
    ['refuses a missing normalizer', () => edited((j) => { j.normalizer = null; }), /normalizer is null; expected an object with type "BertNormalizer"/],
    ['refuses another normalizer type', () => edited((j) => { j.normalizer = { type: 'NFKC' }; }), /normalizer\.type is "NFKC"/],
    ['refuses clean_text false', () => edited((j) => { j.normalizer.clean_text = false; }), /normalizer\.clean_text is false; expected true/],
    ['refuses handle_chinese_chars false', () => edited((j) => { j.normalizer.handle_chinese_chars = false; }), /normalizer\.handle_chinese_chars is false/],
    ['refuses strip_accents that differs from lowercase', () => edited((j) => { j.normalizer.strip_accents = false; }),
      /normalizer\.strip_accents is false; expected null or true \(the same as normalizer\.lowercase\)/],
    ['refuses another pre-tokenizer', () => edited((j) => { j.pre_tokenizer = { type: 'Whitespace' }; }), /pre_tokenizer\.type is "Whitespace"; expected "BertPreTokenizer"/],
  ];
  for (const [name, make, message] of refused) {
    it(name, () => {
      const path = make();
      const err = (() => {
        try {
          Vocab.fromFile(path);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(DataError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toContain(`tokenizer file ${path}`);
    });
  }

  it('accepts strip_accents null (Hugging Face: follows lowercase)', () => {
    const path = edited((j) => {
      j.normalizer.strip_accents = null;
    });
    expect(BertTokenizer.fromVocabFile(path).tokenize('É')).toEqual(['e']);
  });
});

interface GoldenLine {
  text: string;
  tokens: string[];
  ids: number[];
}

describeGolden('tokenizer.json of the golden teacher vocabulary', () => {
  let fromTxt: BertTokenizer;
  let fromJson: BertTokenizer;
  beforeAll(() => {
    const vocab = join(GOLDEN, 'nezha_teacher', 'vocab.txt');
    fromTxt = BertTokenizer.fromVocabFile(vocab);
    fromJson = BertTokenizer.fromVocabFile(jsonFromVocabTxt(vocab));
  });

  it('gives the reference tokens and ids on every line of tokenizer_golden.jsonl, as vocab.txt does', () => {
    const lines = readFileSync(join(GOLDEN, 'tokenizer_golden.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as GoldenLine);
    expect(lines.length).toBe(1954);
    expect(fromJson.vocab.tokens()).toEqual(fromTxt.vocab.tokens());
    const differ = lines.filter((l) => {
      const tokens = fromJson.tokenize(l.text);
      return JSON.stringify(tokens) !== JSON.stringify(l.tokens) || JSON.stringify(fromJson.convertTokensToIds(tokens)) !== JSON.stringify(l.ids);
    });
    expect(differ.map((l) => l.text.slice(0, 60))).toEqual([]);
  });
});

describeData('tokenizer.json of the 21128-token Chinese vocabulary on real data', () => {
  it('encodes every ChnSentiCorp dev line and every LCQMC dev pair as vocab.txt does', () => {
    const vocab = join(DATA, 'vocab', 'zh_vocab_21128.txt');
    const fromTxt = BertTokenizer.fromVocabFile(vocab);
    const fromJson = BertTokenizer.fromVocabFile(jsonFromVocabTxt(vocab));
    const rows = (file: string, header: boolean) =>
      readFileSync(join(DATA, file), 'utf8').split('\n').slice(header ? 1 : 0).filter(Boolean).map((l) => l.split('\t'));
    const singles = rows('chnsenticorp/dev.tsv', true).map((r) => [r[1]] as const);
    const pairs = rows('lcqmc/dev.txt', false).map((r) => [r[0], r[1]] as const);
    expect(singles.length).toBeGreaterThan(1000);
    expect(pairs.length).toBeGreaterThan(1000);
    let differ = 0;
    for (const [a, b] of [...singles, ...pairs]) {
      const x = fromTxt.encode(a, b, { maxLength: 128 });
      const y = fromJson.encode(a, b, { maxLength: 128 });
      if (JSON.stringify([x.inputIds, x.tokenTypeIds, x.offsets]) !== JSON.stringify([y.inputIds, y.tokenTypeIds, y.offsets])) differ++;
    }
    expect(differ).toBe(0);
  });
});
