/**
 * SQuAD-style reader: validation messages name the file and field; wrong `answer_start`s are
 * fixed to the nearest occurrence or dropped, and counted. The real CMRC 2018 files are read when
 * ../shared is there.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../../src/errors.js';
import { describeSummary, nearestOccurrence, parseSquad, readSquad } from '../../../src/tasks/span/squad.js';
import { DATA, describeData } from '../../helpers/shared.js';

function file(qas: unknown[], context = '北京是中国的首都，北京很大。') {
  return { version: 'v1.0', data: [{ title: 't', paragraphs: [{ context, qas }] }] };
}

describe('parseSquad', () => {
  it('reads questions, contexts and located answers', () => {
    const { examples, summary } = parseSquad(file([{ id: 'Q1', question: '首都？', answers: [{ text: '北京', answer_start: 0 }] }]), 'x.json');
    expect(examples).toEqual([{ id: 'Q1', question: '首都？', context: '北京是中国的首都，北京很大。', answers: [{ text: '北京', start: 0 }], gold: ['北京'] }]);
    expect(summary).toMatchObject({ questions: 1, answers: 1, fixed: 0, dropped: 0, unlocated: 0, repairs: [] });
  });

  it('moves a wrong answer_start to the nearest occurrence of the answer text and counts it as fixed', () => {
    const { examples, summary } = parseSquad(file([{ id: 'Q1', question: '?', answers: [{ text: '北京', answer_start: 8 }] }]), 'x.json');
    // Occurrences at 0 and 9; 9 is nearer to 8.
    expect(examples[0].answers).toEqual([{ text: '北京', start: 9 }]);
    expect(summary).toMatchObject({ fixed: 1, dropped: 0, repairs: [{ id: 'Q1', text: '北京', given: 8, found: 9 }] });
  });

  it('an answer_start past the end of the context is fixed, not a crash', () => {
    const { examples, summary } = parseSquad(file([{ id: 'Q1', question: '?', answers: [{ text: '很大', answer_start: 500 }] }]), 'x.json');
    expect(examples[0].answers).toEqual([{ text: '很大', start: 11 }]);
    expect(summary.fixed).toBe(1);
  });

  it('drops an answer whose text is not in the context but keeps it as a gold text for scoring', () => {
    const { examples, summary } = parseSquad(
      file([{ id: 'Q1', question: '?', answers: [{ text: '上海', answer_start: 0 }, { text: '中国', answer_start: 3 }] }]),
      'x.json',
    );
    expect(examples[0].answers).toEqual([{ text: '中国', start: 3 }]);
    expect(examples[0].gold).toEqual(['上海', '中国']);
    expect(summary).toMatchObject({ answers: 2, fixed: 0, dropped: 1, unlocated: 0, repairs: [{ id: 'Q1', found: null }] });
  });

  it('counts a question whose every answer was dropped as unlocated', () => {
    const { examples, summary } = parseSquad(file([{ id: 'Q1', question: '?', answers: [{ text: '', answer_start: 0 }] }]), 'x.json');
    expect(examples[0].answers).toEqual([]);
    expect(summary).toMatchObject({ dropped: 1, unlocated: 1 });
    expect(describeSummary(summary)).toBe('x.json: questions 1, answers 1, fixed 0, dropped 1, questions without a located answer 1');
  });

  it('refuses a missing field naming the file and the field path', () => {
    expect(() => parseSquad(file([{ id: 'Q1', answers: [] }]), 'x.json')).toThrow(DataError);
    expect(() => parseSquad(file([{ id: 'Q1', answers: [] }]), 'x.json')).toThrow(
      'x.json: data[0].paragraphs[0].qas[0].question: is required (expected string)',
    );
  });

  it('searches for an answer whose answer_start is -1 (CMRC 2018 dev writes it for unplaced answers)', () => {
    const { examples, summary } = parseSquad(file([{ id: 'Q1', question: '?', answers: [{ text: '首都', answer_start: -1 }] }]), 'x.json');
    expect(examples[0].answers).toEqual([{ text: '首都', start: 6 }]);
    expect(summary.fixed).toBe(1);
  });

  it('refuses a fractional answer_start naming the field', () => {
    expect(() => parseSquad(file([{ id: 'Q1', question: '?', answers: [{ text: 'a', answer_start: 1.5 }] }]), 'x.json')).toThrow(
      /^x\.json: data\[0\]\.paragraphs\[0\]\.qas\[0\]\.answers\[0\]\.answer_start: expected int, saw number 1\.5$/,
    );
  });

  it('refuses a repeated question id, since predictions are keyed by id', () => {
    const qa = { id: 'Q1', question: '?', answers: [] };
    expect(() => parseSquad(file([qa, qa]), 'x.json')).toThrow(
      'x.json: data[0].paragraphs[0].qas[1].id: "Q1" repeats the id of data[0].paragraphs[0].qas[0]; expected unique question ids',
    );
  });

  it('refuses a file that is not JSON naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'squad-'));
    writeFileSync(join(dir, 'bad.json'), '{"data": [');
    expect(() => readSquad(join(dir, 'bad.json'))).toThrow(/bad\.json: not valid JSON .*expected SQuAD v1\.1-style JSON/);
  });

  it('nearestOccurrence prefers the earlier occurrence on a tie and returns null for an absent text', () => {
    expect(nearestOccurrence('ab_ab', 'ab', 1.5)).toBe(0);
    expect(nearestOccurrence('ab_ab', 'ab', 2)).toBe(3);
    expect(nearestOccurrence('ab_ab', 'zz', 2)).toBeNull();
  });
});

describeData('CMRC 2018 files', () => {
  for (const split of ['train', 'dev']) {
    it(`reads cmrc2018_${split}.json, fixing or dropping every misplaced answer`, () => {
      const { examples, summary } = readSquad(join(DATA, 'cmrc2018', `cmrc2018_${split}.json`));
      process.stderr.write(`${describeSummary(summary)}\n`);
      expect(examples.length).toBe(summary.questions);
      expect(summary.fixed + summary.dropped).toBe(summary.repairs.length);
      for (const ex of examples) for (const a of ex.answers) expect(ex.context.slice(a.start, a.start + a.text.length)).toBe(a.text);
      expect(summary.questions).toBe(split === 'train' ? 10142 : 3219);
    });
  }
});
