import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecipeError } from '../../../src/errors.js';
import { validate } from '../../../src/util/validate.js';
import { chunks, readTaskFile, taskLabels, tokenClassificationTaskSchema } from '../../../src/tasks/token-classification/index.js';
import { writeTemp } from '../../data/helpers.js';
import { DATA, describeData } from '../../helpers/shared.js';

const parse = (fields: Record<string, unknown>) =>
  validate(tokenClassificationTaskSchema, { type: 'token-classification', train: 'train.conll', ...fields }, { file: 'r.yaml', at: 'tasks.ner' }, RecipeError);

describe('token-classification task entry', () => {
  it('fills the defaults and infers the format from the train file name', () => {
    expect(parse({})).toMatchObject({ format: 'conll', tag_column: -1, max_seq_length: 128, stride: 64 });
    expect(parse({ train: 'train.char.bmes' }).format).toBe('bmes');
  });

  it('refuses a stride that would leave tokens out, naming the field', () => {
    expect(() => parse({ max_seq_length: 32, stride: 31 })).toThrow(RecipeError);
    expect(() => parse({ max_seq_length: 32, stride: 31 })).toThrow(/tasks\.ner\.stride: stride 31 exceeds max_seq_length - 2 = 30/);
  });

  it('refuses a malformed or repeated label and an unknown file name', () => {
    expect(() => parse({ labels: ['O', 'PER'] })).toThrow(/tasks\.ner\.labels\[1\]: .*tag "PER" is not O or B-/);
    expect(() => parse({ labels: ['O', 'O'] })).toThrow(/labels must be unique/);
    expect(() => parse({ train: 'train.xyz' })).toThrow(/cannot infer the format from train "train\.xyz"/);
  });

  it('re-spells the file tags in the task scheme and checks them against the label list', () => {
    const file = writeTemp('a.conll', '张 B-PER\n三 I-PER\n去 O\n京 B-LOC\n');
    const task = parse({ train: file, scheme: 'bioes' });
    const [s] = readTaskFile(file, task);
    expect(s.tags).toEqual(['B-PER', 'E-PER', 'O', 'S-LOC']);
    expect(taskLabels(task, [s])).toEqual(['O', 'S-LOC', 'B-PER', 'E-PER']);
    expect(() => readTaskFile(file, task, ['O', 'B-PER', 'E-PER', 'B-LOC'])).toThrow(/a\.conll:1: tag "S-LOC" of token 4 \(as bioes\) is not in the label list/);
  });
});

describeData('token-classification tasks on the real files', () => {
  it('reads ner_resume json (BIO with S) and char.bmes (BMES) to the same BIOES tags', () => {
    const task = parse({ train: join(DATA, 'ner_resume/dev.json'), scheme: 'bioes' });
    const fromJson = readTaskFile(join(DATA, 'ner_resume/dev.json'), task);
    const fromBmes = readTaskFile(join(DATA, 'ner_resume/dev.char.bmes'), { ...task, format: 'bmes' });
    expect(fromBmes.map((s) => s.tags)).toEqual(fromJson.map((s) => s.tags));
    expect(fromJson.reduce((n, s) => n + chunks(s.tags).length, 0)).toBe(1497);
    // 26 labels: no S-CONT, no I-RACE in dev; S- singles only for NAME and RACE.
    const labels = taskLabels(task, fromJson);
    expect(labels.slice(0, 7)).toEqual(['O', 'B-CONT', 'I-CONT', 'E-CONT', 'B-EDU', 'I-EDU', 'E-EDU']);
    expect(labels.filter((t) => t.startsWith('S-'))).toEqual(['S-NAME', 'S-RACE']);
    expect(labels).toHaveLength(26);
  });
});
