import { describe, expect, it } from 'vitest';
import { DataError } from '../../../src/errors.js';
import { chunks, convertTags, labelList, parseTag, tagsOf } from '../../../src/tasks/token-classification/index.js';

describe('tag schemes', () => {
  it('parses B-/I-/M-/E-/S- tags and O, and nothing else', () => {
    expect(parseTag('B-PER.NAM')).toEqual({ prefix: 'B', type: 'PER.NAM' });
    expect(parseTag('O')).toEqual({ prefix: 'O', type: '' });
    for (const bad of ['PER', 'B-', 'X-PER', 'BPER', 'o', '']) expect(parseTag(bad)).toBeUndefined();
  });

  it('reads the same entities from BIO, BIOES and BMES spellings of one tagging', () => {
    const bio = ['B-PER', 'I-PER', 'O', 'B-LOC', 'B-LOC', 'I-LOC', 'I-LOC'];
    const bioes = ['B-PER', 'E-PER', 'O', 'S-LOC', 'B-LOC', 'I-LOC', 'E-LOC'];
    const bmes = ['B-PER', 'E-PER', 'O', 'S-LOC', 'B-LOC', 'M-LOC', 'E-LOC'];
    const want = [
      { type: 'PER', start: 0, end: 2 },
      { type: 'LOC', start: 3, end: 4 },
      { type: 'LOC', start: 4, end: 7 },
    ];
    expect(chunks(bio)).toEqual(want);
    expect(chunks(bioes)).toEqual(want);
    expect(chunks(bmes)).toEqual(want);
  });

  it('converts between schemes, keeping the entities', () => {
    const bio = ['B-PER', 'I-PER', 'O', 'B-LOC', 'B-LOC', 'I-LOC', 'I-LOC'];
    expect(convertTags(bio, 'bioes')).toEqual(['B-PER', 'E-PER', 'O', 'S-LOC', 'B-LOC', 'I-LOC', 'E-LOC']);
    expect(convertTags(bio, 'bmes')).toEqual(['B-PER', 'E-PER', 'O', 'S-LOC', 'B-LOC', 'M-LOC', 'E-LOC']);
    expect(convertTags(convertTags(bio, 'bmes'), 'bio')).toEqual(bio);
  });

  it('repairs an I- after O into a B- when converting (conlleval reads it as a new entity)', () => {
    expect(convertTags(['O', 'I-PER', 'I-PER'], 'bio')).toEqual(['O', 'B-PER', 'I-PER']);
    expect(tagsOf([{ type: 'X', start: 1, end: 2 }], 3, 'bioes')).toEqual(['O', 'S-X', 'O']);
  });

  it('collects a label list from the data in an order that does not depend on the data order', () => {
    const a = labelList(['I-PER', 'O', 'B-LOC', 'S-PER', 'B-PER', 'I-LOC', 'E-PER', 'M-PER']);
    expect(a).toEqual(['O', 'B-LOC', 'I-LOC', 'B-PER', 'I-PER', 'M-PER', 'E-PER', 'S-PER']);
    expect(labelList([...a].reverse())).toEqual(a);
  });

  it('keeps a given label list as given', () => {
    expect(labelList(['O'], ['B-PER', 'I-PER', 'O'])).toEqual(['B-PER', 'I-PER', 'O']);
  });

  it('refuses a given label list with a malformed or repeated tag', () => {
    expect(() => labelList([], ['O', 'PER'], 'tasks.ner.labels')).toThrow(DataError);
    expect(() => labelList([], ['O', 'PER'], 'tasks.ner.labels')).toThrow(/tasks\.ner\.labels\[1\]: tag "PER" is not O or B-/);
    expect(() => labelList([], ['O', 'B-X', 'O'])).toThrow(/tag "O" is listed twice/);
  });
});
