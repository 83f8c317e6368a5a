/**
 * n-best decoding over all windows of a question: valid spans only, ranked by start + end logit,
 * mapped back to the original context text.
 */
import { describe, expect, it } from 'vitest';
import { CheckpointError, ShapeError } from '../../../src/errors.js';
import { decodeSpans, topIndices, type SpanLogits } from '../../../src/tasks/span/decode.js';
import { spanFeatures } from '../../../src/tasks/span/features.js';
import type { SpanExample } from '../../../src/tasks/span/squad.js';
import { BertTokenizer, Vocab } from '../../../src/tokenizer/index.js';

const tokenizer = new BertTokenizer(Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...'我爱北京天安门首都？', 'nba', 'ab']));
const OPTS = { n_best_size: 5, max_answer_length: 4 };

function ex(context: string, id = 'Q'): SpanExample {
  return { id, question: '首都？', context, answers: [], gold: [] };
}

/** Logits that are 0 everywhere except the given positions. */
function logits(T: number, starts: Record<number, number>, ends: Record<number, number>): SpanLogits {
  const start = new Array<number>(T).fill(0);
  const end = new Array<number>(T).fill(0);
  for (const [i, v] of Object.entries(starts)) start[Number(i)] = v;
  for (const [i, v] of Object.entries(ends)) end[Number(i)] = v;
  return { start, end };
}

// [CLS] 首 都 ？ [SEP] then the context from index 5.
const one = (context: string) => spanFeatures([ex(context)], tokenizer, { max_seq_length: 16, doc_stride: 4, max_query_length: 8 }).features;

describe('decodeSpans', () => {
  it('returns the span with the highest start + end logit, as the original context text', () => {
    const features = one('我爱 NBA 北京');
    // Tokens: 我 爱 nba 北 京 at 5..9; answer 爱 .. nba keeps the context's case and space.
    const [p] = decodeSpans([ex('我爱 NBA 北京')], features, [logits(16, { 6: 5, 8: 1 }, { 7: 4, 9: 1 })], OPTS);
    expect(p).toMatchObject({ id: 'Q', text: '爱 NBA', score: 9 });
    expect(p.nbest[0].chars).toEqual([1, 6]);
  });

  it('skips an end before the start, spans over max_answer_length and non-context tokens', () => {
    const features = one('我爱北京天安门');
    // Tokens 我爱北京天安门 at 5..11. Better raw pairs than 天安 (9, 10) = 15: [CLS]..[CLS] (0, 0) = 18,
    // end before start (9, 6) = 16; 我爱 (5, 6) = 14.5 is lower; the 6-token 我爱北京天安 (5, 10) is too long.
    const l = logits(16, { 0: 9, 9: 8, 5: 6.5 }, { 0: 9, 6: 8, 10: 7 });
    const [p] = decodeSpans([ex('我爱北京天安门')], features, [l], OPTS);
    expect(p.text).toBe('天安');
    expect(p.score).toBe(15);
    expect(p.nbest.map((c) => c.text)).not.toContain('我爱北京天安');
    expect(p.nbest.every((c) => c.text.length <= 4)).toBe(true);
  });

  it('answers "" with a null score when no span is valid', () => {
    const features = one('我爱北京');
    const [p] = decodeSpans([ex('我爱北京')], features, [logits(16, { 0: 9, 1: 8 }, { 0: 9, 2: 8 })], { n_best_size: 2, max_answer_length: 4 });
    expect(p).toEqual({ id: 'Q', text: '', score: null, nbest: [] });
  });

  it('ranks candidates over all windows of a question, starts only in their max-context window, each text once', () => {
    const context = '我爱北京天安门';
    const { features } = spanFeatures([ex(context)], tokenizer, { max_seq_length: 9, doc_stride: 2, max_query_length: 3 });
    // Windows of 3 context tokens from index 5: 我爱北 | 北京天 | 天安门.
    expect(features.map((f) => f.tokens.slice(5, 8).join(''))).toEqual(['我爱北', '北京天', '天安门']);
    const l = [
      logits(9, { 5: 1 }, { 6: 1 }), // 我爱: 2
      logits(9, { 6: 3 }, { 7: 3 }), // 京天: 6
      // 天 has more context in window 1 (a tie goes to the earlier window), so 天安门 (12) is not taken from here; 安门: 4.
      logits(9, { 5: 10, 6: 2 }, { 7: 2 }),
    ];
    const [p] = decodeSpans([ex(context)], features, l, OPTS);
    expect(p.text).toBe('京天');
    expect(p.nbest.slice(0, 3).map((c) => [c.text, c.score])).toEqual([['京天', 6], ['安门', 4], ['我爱', 2]]);
    expect(new Set(p.nbest.map((c) => c.text)).size).toBe(p.nbest.length);
  });

  it('refuses logits that do not match the features, naming the counts', () => {
    const features = one('我爱');
    expect(() => decodeSpans([ex('我爱')], features, [], OPTS)).toThrow(new ShapeError('span decoding got logits for 0 windows, expected one per feature (1)'));
    expect(() => decodeSpans([ex('我爱')], features, [logits(8, {}, {})], OPTS)).toThrow(
      'window 0: start/end logits have 8/8 positions, expected 16 (max_seq_length)',
    );
  });

  it('refuses NaN logits instead of ranking them arbitrarily', () => {
    const features = one('我爱');
    expect(() => decodeSpans([ex('我爱')], features, [logits(16, { 5: NaN }, {})], OPTS)).toThrow(CheckpointError);
  });

  it('topIndices breaks ties towards the lower index', () => {
    expect(topIndices([1, 3, 3, 2], 3)).toEqual([1, 2, 3]);
  });
});
