import { describe, expect, it } from 'vitest';
import { tf } from '../../../src/backend/tf.js';
import { BertTokenizer, Vocab } from '../../../src/tokenizer/index.js';
import { tokenClassification as ner, tokenClassificationTaskSchema, type Sentence } from '../../../src/tasks/token-classification/index.js';
import { expectClose } from '../../helpers/close.js';

// ids: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 张=4 三=5 play=6 ##ing=7 去=8
const tokenizer = new BertTokenizer(Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '张', '三', 'play', '##ing', '去']));
const labels = ['O', 'B-PER', 'I-PER'];
const settings = { semantics: 'reference' as const, temperature: 2, temperatureSquared: false };
const config = tokenClassificationTaskSchema.parse({ type: 'token-classification', train: 't.conll', max_seq_length: 6, stride: 2 });
const sentence: Sentence = {
  tokens: ['张', '三', 'playing', '去', '张', '三'],
  tags: ['B-PER', 'I-PER', 'O', 'O', 'B-PER', 'I-PER'],
  text: '',
  spans: [],
  source: 'test',
};

/** Logits [T, K] per window putting weight 5 on the gold label of each position (O where ignored). */
function goldLogits(labelIds: number[]): Float32Array {
  const out = new Float32Array(labelIds.length * labels.length);
  labelIds.forEach((id, p) => (out[p * labels.length + Math.max(id, 0)] = 5));
  return out;
}

describe('the token-classification task module', () => {
  it('decodes per-window logits back to one tag per token over windows and scores them', () => {
    const features = ner.features(sentence, { config, tokenizer, labels, maxSeqLength: 6 });
    expect(features.length).toBeGreaterThan(1);
    const tags = ner.decode(sentence, features, features.map((f) => goldLogits(f.labelIds)), labels);
    expect(tags).toEqual(sentence.tags);
    expect(ner.score([sentence], [tags])).toMatchObject({ precision: 1, recall: 1, f1: 1, accuracy: 1, f1_PER: 1 });
    expect(ner.predictionFile([sentence], [tags]).split('\n').slice(0, 3)).toEqual(['张 B-PER B-PER', '三 I-PER I-PER', 'playing O O']);
  });

  it('ignores other pieces, [CLS], [SEP] and padding in the hard-label loss', () => {
    const features = ner.features(sentence, { config, tokenizer, labels, maxSeqLength: 6 });
    const batch = ner.collate(features, { config, padId: 0 });
    const K = labels.length;
    const B = features.length;
    const base = tf.randomNormal([B, 6, K], 0, 1, 'float32', 7); // [B, T, K]
    // Large uneven logits on every ignored position (a uniform shift would cancel in the softmax) must not change the loss.
    const ignored = tf.tensor2d(features.map((f) => f.labelIds.map((id) => (id < 0 ? 1 : 0))), [B, 6]).expandDims(-1); // [B, T, 1]
    const noisy = tf.add(base, tf.mul(ignored, tf.tensor1d([50, 0, -50]))); // [B, T, K]
    expectClose(ner.hardLoss(noisy, batch).dataSync(), ner.hardLoss(base, batch).dataSync(), { rtol: 1e-6, atol: 1e-6 });
  });

  it('reads only first pieces in the distillation target, also in windows without labels', () => {
    const unlabelled = { ...sentence, tags: [] };
    const features = ner.features(unlabelled, { config, tokenizer, labels, maxSeqLength: 6 });
    expect(features.every((f) => f.labelIds.every((id) => id === -100))).toBe(true);
    const batch = ner.collate(features, { config, padId: 0 });
    const B = features.length;
    const s = tf.randomNormal([B, 6, 3], 0, 1, 'float32', 1); // [B, T, K]
    const t = tf.randomNormal([B, 6, 3], 0, 1, 'float32', 2); // [B, T, K]
    const other = tf.tensor2d(features.map((f) => f.tokenMask.map((m) => 1 - m)), [B, 6]).expandDims(-1); // [B, T, 1]
    const sNoisy = tf.add(s, tf.mul(other, tf.tensor1d([30, 0, -30]))); // [B, T, K]
    const a = ner.distillLoss(s, t, batch, config, settings).dataSync()[0];
    expect(a).toBeGreaterThan(0);
    expectClose(ner.distillLoss(sNoisy, t, batch, config, settings).dataSync(), [a], { rtol: 1e-6, atol: 1e-6 });
  });

  it('asks for a token-classification head with one output per label', () => {
    expect(ner.head(config, labels)).toEqual({ head: 'token-classification', numLabels: 3 });
    expect(ner.exportArchitecture).toBe('BertForTokenClassification');
  });
});
