/**
 * The span parts chained on the real CMRC 2018 dev file: reader -> features (run_squad.py's
 * 384 / 128 / 64) -> decoding of oracle logits built from the labels -> CMRC metric. What is lost
 * on the way shows up as EM below 1: one dev answer, "4个" inside "34个", cannot be cut out of
 * the word piece "34", so the oracle answers "34个".
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { decodeSpans, type SpanLogits } from '../../../src/tasks/span/decode.js';
import { spanFeatures } from '../../../src/tasks/span/features.js';
import { scoreSpans } from '../../../src/tasks/span/cmrc-metric.js';
import { predictionObject } from '../../../src/tasks/span/predictions.js';
import { readSquad } from '../../../src/tasks/span/squad.js';
import { BertTokenizer } from '../../../src/tokenizer/index.js';
import { DATA, describeData } from '../../helpers/shared.js';

describeData('CMRC 2018 dev through features, decoding and the metric', () => {
  it('oracle logits from the feature labels score EM > 0.999 on every question of the dev file', () => {
    const { examples } = readSquad(join(DATA, 'cmrc2018', 'cmrc2018_dev.json'));
    const tokenizer = BertTokenizer.fromVocabFile(join(DATA, 'vocab', 'zh_vocab_21128.txt'));
    const { features, unmapped } = spanFeatures(examples, tokenizer, { max_seq_length: 384, doc_stride: 128, max_query_length: 64 });
    const logits: SpanLogits[] = features.map((f) => {
      const start = new Array<number>(f.tokens.length).fill(0);
      const end = new Array<number>(f.tokens.length).fill(0);
      start[f.start] = 10;
      end[f.end] = 10;
      return { start, end };
    });
    const predictions = decodeSpans(examples, features, logits, { n_best_size: 20, max_answer_length: 100 });
    const scores = scoreSpans(examples, predictionObject(predictions));
    const labelled = features.filter((f) => f.start > 0).length;
    process.stderr.write(
      `cmrc2018_dev: ${examples.length} questions, ${features.length} windows (${labelled} holding the answer), ${unmapped} unmapped answers; oracle EM ${scores.em.toFixed(4)} F1 ${scores.f1.toFixed(4)}\n`,
    );
    expect(predictions).toHaveLength(examples.length);
    expect(Object.keys(predictionObject(predictions))).toHaveLength(examples.length);
    expect(unmapped).toBe(0);
    expect(scores.count).toBe(3219);
    expect(scores.unanswered).toBe(0);
    expect(scores.em).toBeGreaterThan(0.999);
  });
});
