/**
 * The span `tasks:` entry (defaults, the checks across its fields) and the reading of its files:
 * SQuAD-style JSON and JSON-lines questions, with fixed and dropped answers reported once.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setDataWarningSink } from '../../../src/data/rows.js';
import { RecipeError } from '../../../src/errors.js';
import { span, spanTaskSchema } from '../../../src/tasks/span/index.js';
import { validate } from '../../../src/util/validate.js';
import { writeTemp } from '../../data/helpers.js';
import { DATA, describeData } from '../../helpers/shared.js';

const parse = (fields: Record<string, unknown>) =>
  validate(spanTaskSchema, { type: 'span', train: 'train.json', ...fields }, { file: 'r.yaml', at: 'tasks.cmrc' }, RecipeError);

let warnings: string[] = [];
let restore: (m: string) => void;
beforeEach(() => {
  warnings = [];
  restore = setDataWarningSink((m) => warnings.push(m));
});
afterEach(() => {
  setDataWarningSink(restore);
});

describe('span task entry', () => {
  it("fills run_squad.py's defaults and infers the format from the train file name", () => {
    expect(parse({})).toEqual({
      type: 'span',
      train: 'train.json',
      format: 'squad',
      max_seq_length: 384,
      doc_stride: 128,
      max_query_length: 64,
      max_answer_length: 30,
      n_best_size: 20,
    });
    expect(parse({ train: 'questions.jsonl' }).format).toBe('jsonl');
    expect(parse({ train: 'drcd.txt', format: 'squad' }).format).toBe('squad');
  });

  it('refuses a max_seq_length with no room for context after max_query_length + 3, as run_squad.py', () => {
    expect(() => parse({ max_seq_length: 67 })).toThrow(
      new RecipeError('r.yaml: tasks.cmrc.max_seq_length: max_seq_length 67 leaves no room for context after max_query_length 64 + 3 specials; expected more than 67'),
    );
    expect(parse({ max_seq_length: 68 }).max_seq_length).toBe(68);
  });

  it('refuses a file name it cannot infer a format from, and a key of another task kind', () => {
    expect(() => parse({ train: 'train.tsv' })).toThrow(/tasks\.cmrc\.format: cannot infer the format from train "train\.tsv"; set format: squad or jsonl/);
    expect(() => parse({ labels: ['0', '1'] })).toThrow(/tasks\.cmrc\.labels: unknown key/);
    expect(() => parse({ type: 'token-classification' })).toThrow(RecipeError);
  });
});

describe('reading span task files', () => {
  it('reads JSON-lines questions, numbering those without an id and locating given answers', () => {
    const file = writeTemp(
      'q.jsonl',
      [
        JSON.stringify({ question: '首都？', context: '中国的首都是北京' }),
        '',
        JSON.stringify({ id: 'b', question: '哪里？', context: '他住在北京', answers: [{ text: '北京', answer_start: 3 }] }),
      ].join('\n'),
    );
    const examples = span.read(file, parse({ train: file }), { labelled: true });
    expect(examples).toEqual([
      { id: '1', question: '首都？', context: '中国的首都是北京', answers: [], gold: [] },
      { id: 'b', question: '哪里？', context: '他住在北京', answers: [{ text: '北京', start: 3 }], gold: ['北京'] },
    ]);
    expect(warnings).toEqual([]);
  });

  it('refuses a JSON-lines question without a context or with a repeated id, naming file:line', () => {
    const missing = writeTemp('m.jsonl', `${JSON.stringify({ id: 'a', question: '首都？' })}\n`);
    expect(() => span.read(missing, parse({ format: 'jsonl' }), { labelled: true })).toThrow(/m\.jsonl:1: context: is required \(expected string\)/);
    const twice = writeTemp('t.jsonl', [{ id: 'a' }, { id: 'a' }].map((q) => JSON.stringify({ ...q, question: 'q', context: 'c' })).join('\n'));
    expect(() => span.read(twice, parse({ format: 'jsonl' }), { labelled: true })).toThrow(/t\.jsonl:2: id "a" repeats the id of .*t\.jsonl:1; expected unique question ids/);
  });

  it('reports fixed and dropped answers as one data warning with counts and the first repairs', () => {
    const doc = {
      data: [
        {
          paragraphs: [
            {
              context: '北京是中国的首都，北京很大',
              qas: [
                { id: 'fixed', question: '?', answers: [{ text: '北京', answer_start: 8 }] },
                { id: 'dropped', question: '?', answers: [{ text: '上海', answer_start: 0 }] },
                { id: 'fine', question: '?', answers: [{ text: '中国', answer_start: 3 }] },
              ],
            },
          ],
        },
      ],
    };
    const file = writeTemp('cmrc.json', JSON.stringify(doc));
    const examples = span.read(file, parse({ train: file }), { labelled: true });
    expect(examples.map((e) => e.answers)).toEqual([[{ text: '北京', start: 9 }], [], [{ text: '中国', start: 3 }]]);
    expect(warnings).toEqual([
      `${file}: questions 3, answers 3, fixed 1, dropped 1, questions without a located answer 1: answer_start moved to the nearest occurrence of the text (fixed) or the text is not in the context (dropped: scored, not trained on): fixed "北京" at 8 found at 9; dropped "上海" at 0 not in the context`,
    ]);
  });
});

describeData('span task files: CMRC 2018', () => {
  it('reads the train file with no repair and the dev file with its 193 unplaced answers dropped, said once', () => {
    const task = parse({ train: join(DATA, 'cmrc2018', 'cmrc2018_train.json') });
    const train = span.read(task.train, task, { labelled: true });
    expect(train).toHaveLength(10142);
    expect(train.every((e) => e.answers.length === 1)).toBe(true);
    expect(warnings).toEqual([]);
    const dev = span.read(join(DATA, 'cmrc2018', 'cmrc2018_dev.json'), task, { labelled: true });
    expect(dev).toHaveLength(3219);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/questions 3219, answers 9657, fixed 0, dropped 193, questions without a located answer 0: .*, and 190 more$/);
    // Dropped answers stay gold texts for scoring: 3 per dev question.
    expect(dev.reduce((n, e) => n + e.gold.length, 0)).toBe(9657);
  });
});
