/**
 * How good is a pre-trained teacher's masked-LM head, the source of augmentation candidates?
 * `node dist/bench/study/mlm-quality.js [--model DIR] [--corpus FILE] [--data FILE] [--texts N]`
 * (after `npm run study` has pre-trained; a bench, not a test).
 *
 * On held-out text (ChnSentiCorp dev reviews, which the study corpus does not contain) it masks 15%
 * of the Chinese characters of each text, spread evenly over several rows, and asks the head for each:
 * top-1 and top-15 accuracy (the original among the head's 15 best Chinese characters), against a
 * baseline that ignores the context and always answers the corpus's most frequent characters. It
 * also reports how many of the head's top-1 answers are one of those 15 frequent characters. A head
 * that barely beats the frequency baseline gives augmentation candidates that are mostly frequent
 * characters whatever the context: the copies change, but not into plausible text.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isChineseCharToken, topK } from '../../src/augment/candidates.js';
import { initBackend } from '../../src/backend/select.js';
import { tf } from '../../src/backend/tf.js';
import { loadModelDir } from '../../src/checkpoint/model-dir.js';
import { Rng } from '../../src/data/rng.js';
import { applyHead } from '../../src/model/heads.js';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { frequentChars } from './corpus.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const { values: flags } = parseArgs({
  options: {
    model: { type: 'string', default: join(ROOT, 'runs/study/pretrain/pretrain/final') },
    corpus: { type: 'string', default: join(ROOT, 'runs/study/corpus.txt') },
    data: { type: 'string', default: join(ROOT, '../shared/data/chnsenticorp/dev.tsv') },
    texts: { type: 'string', default: '400' },
    seed: { type: 'string', default: '1' },
  },
});
const K = 15;
const MAX_LEN = 126;
const MASK_SHARE = 0.15;

await initBackend(undefined, { quiet: true });
const { model, vocabPath } = loadModelDir(flags.model!);
const tokenizer = BertTokenizer.fromVocabFile(vocabPath!, { doLowerCase: true });
const V = model.config.vocabSize;
const cjk = Int32Array.from({ length: V }, (_, id) => id).filter((id) => isChineseCharToken(tokenizer.vocab.token(id)));

// The frequency baseline: Chinese characters of the corpus the teacher was pre-trained on, most frequent first.
const frequent = frequentChars(readFileSync(flags.corpus!, 'utf8'), Infinity).map((ch) => tokenizer.vocab.id(ch)).filter((id) => id !== undefined) as number[];
const topFrequent = new Set(frequent.slice(0, K));

const texts = readFileSync(flags.data!, 'utf8').split('\n').slice(1).filter((l) => l.trim()).slice(0, Number(flags.texts)).map((l) => l.split('\t').at(-1)!);
const rng = Rng.fromSeed(Number(flags.seed));
let masked = 0;
let top1 = 0;
let top15 = 0;
let freq1 = 0;
let freq15 = 0;
let top1Frequent = 0;
const answers = new Map<number, number>();
for (const text of texts) {
  const ids = tokenizer.convertTokensToIds(tokenizer.tokenize(text)).slice(0, MAX_LEN);
  const positions = ids.map((id, i) => (isChineseCharToken(tokenizer.vocab.token(id)) ? i : -1)).filter((i) => i >= 0);
  const chosen = rng.permutation(positions.length).slice(0, Math.round(MASK_SHARE * positions.length)).map((j) => positions[j]!);
  if (chosen.length === 0) continue;
  // One masked position per row here would be the cleanest; 15% of a review per row is how BERT trained.
  const maskedAt = new Set(chosen);
  const row = [tokenizer.clsId, ...ids.map((id, i) => (maskedAt.has(i) ? tokenizer.maskId : id)), tokenizer.sepId];
  const T = row.length;
  const logits = tf.tidy(() => {
    const out = model.forward(
      { inputIds: tf.tensor2d(row, [1, T], 'int32'), tokenTypeIds: tf.zeros([1, T], 'int32') as tf.Tensor2D, attentionMask: tf.ones([1, T], 'int32') as tf.Tensor2D },
      { skipHead: true },
    );
    const hidden = out.hiddenStates.at(-1)!.reshape([T, model.config.hiddenSize]);
    const x = tf.gather(hidden, tf.tensor1d(chosen.map((p) => p + 1), 'int32'));
    return applyHead(model.config, model.params, x.reshape([1, chosen.length, model.config.hiddenSize]), x, (t) => t).logits!;
  });
  const values = logits.dataSync() as Float32Array;
  logits.dispose();
  chosen.forEach((p, m) => {
    const original = ids[p]!;
    const best = topK(values, m * V, cjk, K, -1);
    masked++;
    if (best[0] === original) top1++;
    if (best.includes(original)) top15++;
    if (frequent[0] === original) freq1++;
    if (topFrequent.has(original)) freq15++;
    if (topFrequent.has(best[0]!)) top1Frequent++;
    answers.set(best[0]!, (answers.get(best[0]!) ?? 0) + 1);
  });
}
model.dispose();
const pct = (n: number) => `${((100 * n) / masked).toFixed(1)}%`;
const common = [...answers.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([id, n]) => `${tokenizer.vocab.token(id)} ${pct(n)}`);
process.stdout.write(
  `${JSON.stringify({ model: flags.model, texts: texts.length, masked, top1: top1 / masked, top15: top15 / masked, frequencyTop1: freq1 / masked, frequencyTop15: freq15 / masked, top1AmongFrequent: top1Frequent / masked, distinctTop1: answers.size })}\n` +
    `masked characters: ${masked} in ${texts.length} held-out texts\n` +
    `masked-LM head:      top-1 ${pct(top1)}, top-15 ${pct(top15)}\n` +
    `frequency baseline:  top-1 ${pct(freq1)}, top-15 ${pct(freq15)} (always the corpus's most frequent characters)\n` +
    `head's top-1 answer is one of the 15 most frequent characters: ${pct(top1Frequent)}; ${answers.size} distinct top-1 answers; most common: ${common.join(', ')}\n`,
);
