/**
 * Cost of the pretrain masking modes on a real corpus (issue 11): the segmenter per sequence, the
 * masking per batch, and a pretrain stage's step time with a small NEZHA on each mode.
 *
 *   npx tsc -p bench/tsconfig.json; node dist/bench/masking.js [corpus.txt] [vocab.txt] [steps (0: no pretrain)]
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { initBackend } from '../src/backend/select.js';
import { Corpus, StreamBatcher, type Batch } from '../src/data/index.js';
import { maskBatch, wordPieces, type MaskingMode } from '../src/pipeline/masking.js';
import { distill } from '../src/pipeline/run.js';
import { loadRecipe } from '../src/recipe/load.js';
import { BertTokenizer } from '../src/tokenizer/index.js';

const SHARED = resolve(import.meta.dirname, '../../..', 'shared', 'data');
const corpusFile = process.argv[2] || join(SHARED, 'corpus', 'CLUECorpusSmall_bert_sampled.txt');
const vocab = process.argv[3] || join(SHARED, 'vocab', 'zh_vocab_21128.txt');
const steps = Number(process.argv[4] ?? 30);
const MODES: MaskingMode[] = ['token', 'whole-word', 'span'];
const T = 128;
const B = 32;

await initBackend('auto', { quiet: true });
const tokenizer = BertTokenizer.fromVocabFile(vocab);
const toIds = (t: string) => tokenizer.convertTokensToIds(tokenizer.tokenize(t));

/** Milliseconds per sequence to read the first `n` sequences, with or without word boundaries. */
async function perSequence(words: boolean, n: number): Promise<number> {
  const corpus = new Corpus(corpusFile, { format: 'sentences', maxSeqLength: T, toIds, wordPieces: words ? (t) => wordPieces(tokenizer, t) : undefined });
  const start = performance.now();
  let k = 0;
  for await (const _ of corpus.sequences()) if (++k >= n) break;
  return (performance.now() - start) / k;
}

await perSequence(true, 50); // loads jieba's dictionary
// Interleaved rounds, the fastest of each: other processes share the machine.
let plain = Infinity;
let segmented = Infinity;
for (let round = 0; round < 5; round++) {
  plain = Math.min(plain, await perSequence(false, 3000));
  segmented = Math.min(segmented, await perSequence(true, 3000));
}
console.log(`reading ${T}-piece sequences: ${plain.toFixed(3)} ms tokenized, ${segmented.toFixed(3)} ms tokenized + segmented (+${(segmented - plain).toFixed(3)} ms per sequence)`);

const batches: Batch[] = [];
const corpus = new Corpus(corpusFile, { format: 'sentences', maxSeqLength: T, toIds, wordPieces: (t) => wordPieces(tokenizer, t) });
const batcher = new StreamBatcher(corpus, { batchSize: B, maxSeqLength: T, seed: 1, dynamicPadding: false, clsId: tokenizer.clsId, sepId: tokenizer.sepId });
for (let i = 0; i < 50; i++) batches.push(await batcher.next());
await batcher.close();
const ids = { maskId: tokenizer.maskId, vocabSize: 21128, special: new Set([tokenizer.clsId, tokenizer.sepId, tokenizer.padId]) };
for (const mode of MODES) {
  const start = performance.now();
  let chosen = 0;
  let real = 0;
  for (let r = 0; r < 4; r++) {
    for (const [i, b] of batches.entries()) {
      const m = maskBatch(b, ids, mode, 0.15, i + 100 * r);
      chosen += m.labels!.filter((l) => l >= 0).length;
      real += b.attentionMask.filter((x) => x === 1).length - 2 * b.batchSize;
    }
  }
  console.log(`masking a ${B}x${T} batch, ${mode}: ${((performance.now() - start) / (4 * batches.length)).toFixed(2)} ms; chosen ${((100 * chosen) / real).toFixed(2)}% of real pieces`);
}

/** A pretrain-only recipe: NEZHA 2 layers x 128 on the corpus. */
function recipe(mode: MaskingMode): string {
  const dir = mkdtempSync(join(tmpdir(), 'tb-bench-mask-'));
  writeFileSync(
    join(dir, 'teacher.json'),
    JSON.stringify({ model_type: 'nezha', vocab_size: 21128, hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 512, max_position_embeddings: 512, max_relative_position: 64 }),
  );
  writeFileSync(
    join(dir, 'recipe.yaml'),
    `name: bench-${mode}\nseed: 1\noutput_dir: run\nvocab: ${vocab}\ncorpus:\n  text: { path: ${corpusFile}, max_seq_length: ${T} }\n` +
      `models:\n  teacher: { config: teacher.json }\nstages:\n` +
      `  - { name: pt, kind: pretrain, train: teacher, corpus: text, steps: ${steps}, batch_size: ${B}, dynamic_padding: false, masking: ${mode}, log_every: 1000 }\n`,
  );
  return join(dir, 'recipe.yaml');
}

for (let round = 0; steps > 0 && round < 2; round++) {
  for (const mode of MODES) {
    const r = await distill(loadRecipe(recipe(mode)), { quiet: true });
    const s = r.stages[0]!;
    console.log(`pretrain ${B}x${T}, ${mode} (round ${round + 1}): ${((1000 * s.seconds) / s.steps).toFixed(0)} ms per step over ${s.steps} steps`);
  }
}
