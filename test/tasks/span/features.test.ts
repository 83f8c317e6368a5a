/**
 * Span features: question as segment A, context windows as segment B with doc_stride, answers as
 * token positions through offsets, [CLS] for windows without the answer, max-context flags.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../../src/errors.js';
import { spanFeatures, tokenSpan, windowRanges } from '../../../src/tasks/span/features.js';
import type { SpanExample } from '../../../src/tasks/span/squad.js';
import { BertTokenizer, Vocab } from '../../../src/tokenizer/index.js';

const CHARS = [...'我爱北京天安门的首都是中国'];
const tokenizer = new BertTokenizer(Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...CHARS, 'a', 'b', '##a', '##b', '？']));

function example(context: string, answer: string | null, question = '首都？'): SpanExample {
  const answers = answer === null ? [] : [{ text: answer, start: context.indexOf(answer) }];
  return { id: 'Q', question, context, answers, gold: answers.map((a) => a.text) };
}

describe('windowRanges', () => {
  it('steps by doc_stride and ends the last window at the end of the context', () => {
    expect(windowRanges(10, 4, 3)).toEqual([[0, 4], [3, 7], [6, 10]]);
    expect(windowRanges(3, 4, 3)).toEqual([[0, 3]]);
    expect(windowRanges(0, 4, 3)).toEqual([[0, 0]]);
  });

  it('never steps further than a window is long, so a stride above the window leaves no gap', () => {
    expect(windowRanges(6, 2, 5)).toEqual([[0, 2], [2, 4], [4, 6]]);
  });
});

describe('spanFeatures', () => {
  it('puts the question in segment A and the context in segment B with [CLS] and [SEP]s', () => {
    const { features } = spanFeatures([example('北京是首都', '北京', '首都？')], tokenizer, { max_seq_length: 12, doc_stride: 2, max_query_length: 8 });
    expect(features).toHaveLength(1);
    const f = features[0];
    expect(f.tokens).toEqual(['[CLS]', '首', '都', '？', '[SEP]', '北', '京', '是', '首', '都', '[SEP]', '[PAD]']);
    expect(f.tokenTypeIds).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0]);
    expect(f.attentionMask).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(f.offsets.slice(4, 8)).toEqual([null, [0, 1], [1, 2], [2, 3]]);
    expect([f.start, f.end]).toEqual([5, 6]);
  });

  it('truncates the question to max_query_length tokens', () => {
    const { features } = spanFeatures([example('北京', '北京', '我爱北京天安门')], tokenizer, { max_seq_length: 10, doc_stride: 2, max_query_length: 2 });
    expect(features[0].tokens.slice(0, 6)).toEqual(['[CLS]', '我', '爱', '[SEP]', '北', '京']);
  });

  it('points a window that does not hold the whole answer at [CLS]', () => {
    // 7 context tokens, windows of 3 (max_seq_length 8 - question 2 - 3) every 2: [0,3) [2,5) [4,7).
    const { features } = spanFeatures([example('我爱北京天安门', '天安')], tokenizer, { max_seq_length: 8, doc_stride: 2, max_query_length: 2 });
    expect(features.map((f) => [f.start, f.end])).toEqual([[0, 0], [0, 0], [4, 5]]);
    // Window 1 holds 天 but not 安: cut answers are [CLS] too.
    expect(features[1].tokens.slice(4, 7)).toEqual(['北', '京', '天']);
  });

  it('flags each context token as max-context in exactly one window, the earlier one on a tie as run_squad.py', () => {
    const { features } = spanFeatures([example('我爱北京天安门', null)], tokenizer, { max_seq_length: 8, doc_stride: 2, max_query_length: 2 });
    const owners = new Map<number, number[]>();
    features.forEach((f, w) => f.offsets.forEach((o, i) => o && f.maxContext[i] && owners.set(o[0], [...(owners.get(o[0]) ?? []), w])));
    expect([...owners.entries()].sort((a, b) => a[0] - b[0])).toEqual([[0, [0]], [1, [0]], [2, [0]], [3, [1]], [4, [1]], [5, [2]], [6, [2]]]);
  });

  it('counts an answer that maps to no token (only whitespace) and marks its windows unlabelled', () => {
    const ex: SpanExample = { id: 'Q', question: '?', context: '北 京', answers: [{ text: ' ', start: 1 }], gold: [' '] };
    const { features, unmapped } = spanFeatures([ex], tokenizer, { max_seq_length: 10, doc_stride: 2, max_query_length: 2 });
    expect(unmapped).toBe(1);
    expect(features[0]).toMatchObject({ start: 0, end: 0, labelled: false });
  });

  it('marks the windows of a question without a located answer unlabelled, not as answer-elsewhere', () => {
    const { features } = spanFeatures([example('北京', null), example('北京', '京')], tokenizer, { max_seq_length: 10, doc_stride: 2, max_query_length: 2 });
    expect(features.map((f) => [f.example, f.labelled, f.start])).toEqual([[0, false, 0], [1, true, 5]]);
  });

  it('refuses a max_seq_length that leaves no room for the context, naming both settings', () => {
    expect(() => spanFeatures([example('北京', '北京', '我爱北京')], tokenizer, { max_seq_length: 7, doc_stride: 2, max_query_length: 4 })).toThrow(
      new DataError('max_seq_length 7 leaves no room for context after a 4-token question (max_query_length 4); expected max_seq_length > max_query_length + 3'),
    );
  });

  it('tokenSpan takes every token overlapping the characters, including a partly covered word piece', () => {
    expect(tokenSpan([[0, 1], [1, 3], [4, 5]], 2, 4)).toEqual([1, 1]);
    expect(tokenSpan([[0, 1], [1, 3], [4, 5]], 3, 4)).toBeNull();
  });

  const text = fc.array(fc.constantFrom(...CHARS, 'a', 'b', ' '), { minLength: 1, maxLength: 60 }).map((cs) => cs.join(''));
  const setup = fc.record({
    context: text,
    from: fc.nat(),
    len: fc.integer({ min: 1, max: 8 }),
    maxSeq: fc.integer({ min: 7, max: 24 }),
    stride: fc.integer({ min: 1, max: 12 }),
  });

  it('property: every context character is covered by some window', () => {
    fc.assert(
      fc.property(setup, ({ context, maxSeq, stride }) => {
        const { features } = spanFeatures([example(context, null)], tokenizer, { max_seq_length: maxSeq, doc_stride: stride, max_query_length: 3 });
        const covered = new Set<number>();
        for (const f of features) for (const o of f.offsets) if (o) for (let c = o[0]; c < o[1]; c++) covered.add(c);
        [...context].forEach((ch, c) => ch === ' ' || expect(covered.has(c)).toBe(true));
      }),
    );
  });

  it("property: a contained answer's tokens map back to a span containing the answer text", () => {
    fc.assert(
      fc.property(setup, ({ context, from, len, maxSeq, stride }) => {
        const start = from % context.length;
        const answer = context.slice(start, start + len);
        fc.pre(answer.trim().length > 0);
        const ex: SpanExample = { id: 'Q', question: '首都', context, answers: [{ text: answer, start }], gold: [answer] };
        const { features } = spanFeatures([ex], tokenizer, { max_seq_length: maxSeq, doc_stride: stride, max_query_length: 3 });
        for (const f of features.filter((x) => x.start > 0)) {
          const [s, e] = [f.offsets[f.start]![0], f.offsets[f.end]![1]];
          expect(s).toBeLessThanOrEqual(start + (answer.length - answer.trimStart().length));
          expect(context.slice(s, e)).toContain(answer.trim());
        }
        // With a stride of one token every placement is tried, so an answer that fits is labelled somewhere.
        const answerTokens = answer.replace(/ /g, '').length;
        if (stride === 1 && answerTokens <= maxSeq - 2 - 3 && !/[ab]/.test(answer)) expect(features.some((f) => f.start > 0)).toBe(true);
      }),
    );
  });
});
