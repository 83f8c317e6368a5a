/**
 * The span task module end to end on a tiny model: features -> collate -> forward -> losses, and
 * decoding, scoring and the prediction file, including the real CMRC 2018 dev file.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tf } from '../../../src/backend/tf.js';
import { DataError } from '../../../src/errors.js';
import { parseModelConfig } from '../../../src/model/config.js';
import { createModel } from '../../../src/model/init.js';
import { span, spanTaskSchema, type SpanExample, type SpanPrediction } from '../../../src/tasks/span/index.js';
import { BertTokenizer, Vocab } from '../../../src/tokenizer/index.js';
import { namedGrads } from '../../../src/train/gradients.js';
import { expectClose } from '../../helpers/close.js';
import { DATA, describeData } from '../../helpers/shared.js';

const CHARS = [...'我爱北京天安门的首都是中国人民？'];
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...CHARS];
const tokenizer = new BertTokenizer(Vocab.fromTokens(VOCAB));
// Question 首都？ is 3 pieces, so a window holds 12 - 3 - 3 = 6 context tokens, stepping by 3.
const config = spanTaskSchema.parse({ type: 'span', train: 't.json', max_seq_length: 12, doc_stride: 3, max_query_length: 4, max_answer_length: 5 });
const T = config.max_seq_length;
// 我0 爱1 北2 京3 天4 安5 门6 的7 首8 都9 是10 中11 国12 人13: windows [0,6) [3,9) [6,12) [9,14).
const CONTEXT = '我爱北京天安门的首都是中国人';

function question(id: string, answer: string | null): SpanExample {
  const answers = answer === null ? [] : [{ text: answer, start: CONTEXT.indexOf(answer) }];
  return { id, question: '首都？', context: CONTEXT, answers, gold: answer === null ? ['中国'] : [answer] };
}

const ctx = { config, tokenizer, labels: [], maxSeqLength: T };
const SETTINGS = { semantics: 'masked' as const, temperature: 2, temperatureSquared: false };
const collate = (features: Parameters<typeof span.collate>[0]) => span.collate(features, { config, padId: 0 });

function tinySpanModel() {
  const raw = {
    model_type: 'bert', vocab_size: VOCAB.length, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 24,
    max_position_embeddings: 16, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0, head: 'span',
  };
  return createModel(parseModelConfig(raw, 'tiny span config'), 3);
}

/** log softmax of a row. */
function logSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0));
  return row.map((x) => x - lse);
}

describe('the span task module', () => {
  it('asks for a span head of two outputs and exports as BertForQuestionAnswering, with no label list', () => {
    expect(span.head(config, [])).toEqual({ head: 'span', numLabels: 2 });
    expect(span.exportArchitecture).toBe('BertForQuestionAnswering');
    expect(span.labelsFrom([question('Q', '中国')])).toEqual([]);
    expect(span.formats).toEqual(['squad', 'jsonl']);
  });

  it('trains through features, collate and the span head: the hard loss reaches qa_outputs and the encoder', () => {
    const model = tinySpanModel();
    const features = span.features(question('Q', '中国'), ctx);
    expect(features).toHaveLength(4);
    const batch = collate(features);
    expect(batch.labels!.shape).toEqual([4, 2]);
    const { value, grads } = namedGrads(() => span.hardLoss(model.forward(batch).logits!, batch, config), model.params);
    const loss = value.dataSync()[0];
    expect(Number.isFinite(loss) && loss > 0).toBe(true);
    for (const name of ['qa_outputs.weight', 'qa_outputs.bias', 'bert.encoder.layer.0.attention.self.query.weight', 'bert.embeddings.word_embeddings.weight']) {
      const g = grads.get(name);
      expect(g, name).toBeDefined();
      expect(tf.norm(g!).dataSync()[0], name).toBeGreaterThan(0);
    }
  });

  it('averages start and end cross-entropy as run_squad, leaving windows of a question without a located answer out', () => {
    const answered = span.features(question('A', '中国'), ctx);
    const unlocated = span.features(question('U', null), ctx);
    expect(unlocated.every((f) => !f.labelled)).toBe(true);
    const features = [...answered, ...unlocated];
    const B = features.length;
    const logits = tf.randomNormal([B, T, 2], 0, 2, 'float32', 11); // [B, T, 2]
    const got = span.hardLoss(logits, collate(features), config).dataSync()[0];
    // By hand: over the labelled windows only, (−log p_start[s] − log p_end[e]) / 2, averaged.
    const values = Array.from(logits.dataSync());
    const row = (b: number, k: number) => Array.from({ length: T }, (_, t) => values[(b * T + t) * 2 + k]);
    const per = answered.map((f, b) => (-logSoftmax(row(b, 0))[f.start] - logSoftmax(row(b, 1))[f.end]) / 2);
    expectClose([got], [per.reduce((a, x) => a + x, 0) / per.length], { rtol: 1e-5 });
    // The windows not holding the answer point at [CLS] and do count.
    expect(answered.map((f) => [f.start, f.end])).toEqual([[0, 0], [0, 0], [0, 0], [7, 8]]);
  });

  it('gives the distillation loss zero gradient when student = teacher, its minimum (the teacher entropy)', () => {
    const batch = collate(span.features(question('Q', '中国'), ctx));
    const teacher = tf.randomNormal([4, T, 2], 0, 1, 'float32', 5); // [B, T, 2]
    const student = tf.variable(teacher.clone());
    const { value, grads } = tf.variableGrads(() => span.distillLoss(student, teacher, batch, config, SETTINGS), [student]);
    expectClose(Array.from(tf.abs(grads[student.name]).max().dataSync()), [0], { atol: 1e-7 });
    // The loss there is the entropy of the teacher distributions, which no other student beats.
    const shifted = tf.add(teacher, tf.randomNormal([4, T, 2], 0, 0.5, 'float32', 6)); // [B, T, 2]
    expect(span.distillLoss(shifted, teacher, batch, config, SETTINGS).dataSync()[0]).toBeGreaterThan(value.dataSync()[0]);
  });

  it('matches a hand computation of soft cross-entropy over positions, padding masked out, at temperature 2', () => {
    const batch = {
      inputIds: tf.tensor2d([[2, 5, 3, 0]], undefined, 'int32'),
      tokenTypeIds: tf.tensor2d([[0, 0, 0, 0]], undefined, 'int32'),
      attentionMask: tf.tensor2d([[1, 1, 1, 0]], undefined, 'int32'),
      scoreMask: tf.tensor2d([[1, 1, 1, 0]]),
    };
    const s = [[1, 0], [0, 2], [-1, 1], [9, 9]]; // [T, 2]; the last position is padding
    const t = [[2, -1], [0, 0], [1, 3], [-9, 5]];
    const got = span.distillLoss(tf.tensor3d([s]), tf.tensor3d([t]), batch, config, SETTINGS).dataSync()[0];
    const soft = (k: number) => {
      const p = logSoftmax(s.slice(0, 3).map((r) => r[k] / 2));
      const q = logSoftmax(t.slice(0, 3).map((r) => r[k] / 2)).map(Math.exp);
      return -q.reduce((a, qi, i) => a + qi * p[i], 0);
    };
    expectClose([got], [(soft(0) + soft(1)) / 2], { rtol: 1e-6 });
    // Whatever sits on the padding position changes nothing.
    const noisy = [...s.slice(0, 3), [-40, 60]];
    expectClose(span.distillLoss(tf.tensor3d([noisy]), tf.tensor3d([t]), batch, config, SETTINGS).dataSync(), [got], { rtol: 1e-6 });
  });

  it('leaves no tensor behind but the returned loss', () => {
    const batch = collate(span.features(question('Q', '中国'), ctx));
    const a = tf.randomNormal([4, T, 2], 0, 1, 'float32', 1); // [B, T, 2]
    const b = tf.randomNormal([4, T, 2], 0, 1, 'float32', 2); // [B, T, 2]
    const before = tf.memory().numTensors;
    const losses = [span.hardLoss(a, batch, config), span.distillLoss(a, b, batch, config, SETTINGS)];
    expect(tf.memory().numTensors).toBe(before + losses.length);
  });

  it('decodes the gold answer text from logits pointing at it in a window that is not the first', () => {
    const q = question('Q', '中国');
    const features = span.features(q, ctx);
    const holding = features.findIndex((f) => f.start > 0);
    expect(holding).toBe(3);
    const logits = features.map((f, w) => {
      const row = new Float32Array(2 * T);
      if (w === holding) (row[2 * f.start] = 10), (row[2 * f.end + 1] = 10);
      return row;
    });
    const out = span.decode(q, features, logits, [], config);
    expect(out).toMatchObject({ id: 'Q', text: '中国', score: 20 });
    expect(span.score([q], [out], [], config)).toEqual({ em: 1, f1: 1 });
  });

  it('refuses logits that are not [T, 2] per window, naming the window', () => {
    const q = question('Q', '中国');
    const features = span.features(q, ctx);
    expect(() => span.decode(q, features, features.map(() => new Float32Array(T)), [], config)).toThrow(/window 0: 12 logits, expected \[T, 2\] = 24/);
    expect(() => span.hardLoss(tf.zeros([4, T, 3]), collate(features), config)).toThrow(/expected logits \[B, T, 2\], got \[4,12,3\]/);
  });

  it('scores an unanswered question 0 even where an empty answer would match a gold of only punctuation', () => {
    const q: SpanExample = { id: 'P', question: '？', context: CONTEXT, answers: [], gold: ['《》'] };
    const unanswered: SpanPrediction = { id: 'P', text: '', score: null, nbest: [] };
    // By the scorer's rules an empty answer equals 《》 once punctuation is removed, so EM would be 1 ...
    expect(span.score([q], [{ ...unanswered, score: 0 }], [], config)).toEqual({ em: 1, f1: 0 });
    // ... but a question without a valid span is missing from the predictions: 0.
    expect(span.score([q], [unanswered], [], config)).toEqual({ em: 0, f1: 0 });
    expect(JSON.parse(span.predictionFile([q], [unanswered]))).toEqual({ P: '' });
  });

  it('refuses outputs that are not those of the examples, in order', () => {
    const a = question('A', '中国');
    const b = question('B', '北京');
    const out = (id: string): SpanPrediction => ({ id, text: '中国', score: 1, nbest: [] });
    expect(() => span.score([a, b], [out('A')], [], config)).toThrow(new DataError('span predictions: 1 outputs for 2 questions; expected one per question'));
    expect(() => span.predictionFile([a, b], [out('B'), out('A')])).toThrow(/output 1 answers question "B", expected "A"/);
  });
});

describe('the span task module in a training loop', () => {
  it('learns to answer its training questions: hard loss falls and decoding returns every gold answer', () => {
    const chars = [...new Set([...CONTEXT, ...'哪里的首都？什么人天安门'])];
    const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...chars];
    const tok = new BertTokenizer(Vocab.fromTokens(vocab));
    const task = spanTaskSchema.parse({ type: 'span', train: 't.json', max_seq_length: 16, doc_stride: 4, max_query_length: 6 });
    const questions: SpanExample[] = [
      ['Q1', '哪里的首都？', '北京'],
      ['Q2', '什么门？', '天安门'],
      ['Q3', '什么人？', '中国人'],
    ].map(([id, q, a]) => ({ id, question: q, context: CONTEXT, answers: [{ text: a, start: CONTEXT.indexOf(a) }], gold: [a] }));
    const perQuestion = questions.map((q) => span.features(q, { config: task, tokenizer: tok, labels: [], maxSeqLength: task.max_seq_length }));
    const features = perQuestion.flat();
    expect(features.length).toBeGreaterThan(questions.length); // several windows per question
    const batch = span.collate(features, { config: task, padId: 0 });
    const raw = {
      model_type: 'bert', vocab_size: vocab.length, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32,
      max_position_embeddings: 16, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0, head: 'span',
    };
    const model = createModel(parseModelConfig(raw, 'tiny span config'), 1);
    const optimizer = tf.train.adam(0.01);
    const loss = () => span.hardLoss(model.forward(batch).logits!, batch, task);
    const first = loss().dataSync()[0];
    for (let step = 0; step < 80; step++) tf.dispose(optimizer.minimize(loss, true, [...model.params.values()])!);
    const last = loss().dataSync()[0];
    expect(last).toBeLessThan(first / 10);
    const logits = tf.tidy(() => model.forward(batch).logits!.dataSync() as Float32Array); // [B, T, 2] flat
    let row = 0;
    const outputs = questions.map((q, i) =>
      span.decode(q, perQuestion[i], perQuestion[i].map(() => logits.slice(2 * 16 * row, 2 * 16 * ++row)), [], task),
    );
    expect(outputs.map((o) => o.text)).toEqual(['北京', '天安门', '中国人']);
    expect(span.score(questions, outputs, [], task)).toEqual({ em: 1, f1: 1 });
  });
});

/** A deterministic stream of floats in [-5, 5). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 10 - 5;
}

describeData('the span task module on CMRC 2018 dev', () => {
  it('writes a prediction file with exactly one entry per question of the dev file from arbitrary logits', () => {
    const real = spanTaskSchema.parse({ type: 'span', train: 'cmrc2018_train.json' });
    const vocab = BertTokenizer.fromVocabFile(join(DATA, 'vocab', 'zh_vocab_21128.txt'));
    const examples = span.read(join(DATA, 'cmrc2018', 'cmrc2018_dev.json'), real, { labelled: true });
    const next = lcg(2018);
    const outputs = examples.map((ex) => {
      const features = span.features(ex, { config: real, tokenizer: vocab, labels: [], maxSeqLength: real.max_seq_length });
      return span.decode(ex, features, features.map((f) => Float32Array.from({ length: 2 * f.offsets.length }, next)), [], real);
    });
    const file = JSON.parse(span.predictionFile(examples, outputs)) as Record<string, string>;
    expect(Object.keys(file)).toEqual(examples.map((e) => e.id));
    expect(Object.keys(file)).toHaveLength(3219);
    expect(Object.values(file).every((a) => typeof a === 'string')).toBe(true);
    const scores = span.score(examples, outputs, [], real);
    expect(scores.em).toBeGreaterThanOrEqual(0);
    expect(scores.f1).toBeLessThan(0.5);
  });
});
