/**
 * Vocab files read as the reference `load_vocab` does, and rejected with messages naming the file.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { BertTokenizer, Vocab } from '../../src/tokenizer/index.js';
import { describeGolden, GOLDEN } from '../helpers/shared.js';

const dir = mkdtempSync(join(tmpdir(), 'tinybert-vocab-'));

function vocabFile(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('Vocab.fromFile', () => {
  it('one token per line, id = line number, trailing newline optional', () => {
    const v = Vocab.fromFile(vocabFile('plain.txt', '[PAD]\n[UNK]\nhello\n##lo\n'));
    expect(v.size).toBe(4);
    expect(v.tokens()).toEqual(['[PAD]', '[UNK]', 'hello', '##lo']);
    expect(v.id('##lo')).toBe(3);
    expect(v.token(2)).toBe('hello');
    expect(v.id('absent')).toBeUndefined();
    expect(Vocab.fromFile(vocabFile('nonl.txt', 'a\nb')).tokens()).toEqual(['a', 'b']);
  });

  it('universal newlines (\\n, \\r\\n, \\r) but not U+2028; lines are strip()ped', () => {
    const v = Vocab.fromFile(vocabFile('mixed.txt', 'a\r\nb\rc\n \t d \u3000\n\u2028\n##\u2028\n\u0085e\u001c\n'));
    expect(v.tokens()).toEqual(['a', 'b', 'c', 'd', '', '##', 'e']);
    expect(v.size).toBe(7);
  });

  it('refuses a duplicate token, naming both line numbers and the token', () => {
    const path = vocabFile('dup.txt', '[PAD]\nx\ny\nx\n');
    expect(() => Vocab.fromFile(path)).toThrow(DataError);
    expect(() => Vocab.fromFile(path)).toThrow(`vocabulary file ${path}: token "x" at line 4 duplicates line 2; each token must occur once`);
  });

  it('refuses lines that become the same token once stripped (two blank lines)', () => {
    const path = vocabFile('blank.txt', 'a\n \nb\n\t\n');
    expect(() => Vocab.fromFile(path)).toThrow(`vocabulary file ${path}: token "" at line 4 duplicates line 2`);
  });

  it('refuses a duplicate in a token list, naming both ids', () => {
    expect(() => Vocab.fromTokens(['a', 'b', 'a'])).toThrow('vocabulary: token "a" at id 2 duplicates id 0; each token must occur once');
  });

  it('keeps a byte-order mark as part of the first token (utf-8, not utf-8-sig)', () => {
    expect(Vocab.fromFile(vocabFile('bom.txt', '\ufeffa\nb\n')).tokens()).toEqual(['\ufeffa', 'b']);
  });

  it('rejects a missing file, naming it', () => {
    const path = join(dir, 'nope', 'vocab.txt');
    expect(() => Vocab.fromFile(path)).toThrow(DataError);
    expect(() => Vocab.fromFile(path)).toThrow(`vocabulary file ${path} does not exist`);
    expect(() => BertTokenizer.fromVocabFile(path)).toThrow(`vocabulary file ${path} does not exist`);
  });

  it('rejects an empty file, naming it', () => {
    const path = vocabFile('empty.txt', '');
    expect(() => BertTokenizer.fromVocabFile(path)).toThrow(DataError);
    expect(() => BertTokenizer.fromVocabFile(path)).toThrow(`vocabulary file ${path} is empty; expected one token per line`);
  });

  it('rejects a directory and invalid UTF-8, naming the path', () => {
    expect(() => Vocab.fromFile(dir)).toThrow(`vocabulary file ${dir} is a directory`);
    const bad = vocabFile('latin1.txt', Buffer.from([0x61, 0x0a, 0xe9, 0x0a]));
    expect(() => Vocab.fromFile(bad)).toThrow(`vocabulary file ${bad} is not valid UTF-8`);
  });

  it('fromTokens rejects an empty list; token() rejects ids outside the vocabulary', () => {
    expect(() => Vocab.fromTokens([])).toThrow(/vocabulary is empty/);
    const v = Vocab.fromTokens(['a', 'b']);
    expect(() => v.token(2)).toThrow(/token id 2 is outside the vocabulary \(ids 0..1\)/);
    expect(() => v.token(-1)).toThrow(DataError);
    expect(() => v.token(0.5)).toThrow(DataError);
  });
});

describeGolden('Chinese BERT vocab.txt (21128 lines)', () => {
  it('reads U+2028 lines as "" and "##", as the reference does', () => {
    const v = Vocab.fromFile(join(GOLDEN, 'nezha_teacher', 'vocab.txt'));
    expect(v.size).toBe(21128);
    expect(v.token(343)).toBe('');
    expect(v.token(13502)).toBe('##');
    expect([v.id('[PAD]'), v.id('[UNK]'), v.id('[CLS]'), v.id('[SEP]'), v.id('[MASK]')]).toEqual([0, 100, 101, 102, 103]);
  });

  it('released vocabs have no duplicate token, so refusing duplicates rejects none of them', () => {
    const released = [join(GOLDEN, '..', 'data', 'vocab', 'zh_vocab_21128.txt'),
      ...['nezha_teacher', 'nezha_teacher/hf', 'nezha_mlm', 'tinybert_student'].map((d) => join(GOLDEN, d, 'vocab.txt'))];
    for (const path of released.filter(existsSync)) {
      const v = Vocab.fromFile(path);
      expect(new Set(v.tokens()).size, path).toBe(v.size);
    }
  });
});
