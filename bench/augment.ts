/**
 * Augmentation throughput on real Chinese data (`node dist/bench/augment.js [--rows 200]
 * [--model DIR] [--per-word-rows 20] [--reps 2]`): the masked-LM candidate search as the reference runs it
 * (one forward pass per word, batch 1) against batched rows with 1, 4, 8 and 16 masks per row, on
 * the same model and texts: seconds, examples/s, forward passes per example, and how far each
 * variant's candidate sets agree with the reference's (mean overlap of the k-sets, top-1 agreement).
 * Then one whole `augment` run with the defaults: examples/s, changed share and a few replacements.
 * Without --model a small random NEZHA masked-LM over the 21128-token Chinese vocabulary is created:
 * its candidates are noise, but the cost per pass is what is measured. One JSON line per result.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { augment } from '../src/augment/index.js';
import { MaskedLmCandidates } from '../src/augment/candidates.js';
import { segmentText } from '../src/augment/units.js';
import { initBackend } from '../src/backend/select.js';
import { createModelDir } from '../src/checkpoint/create.js';
import { loadModelDir } from '../src/checkpoint/model-dir.js';
import { BertTokenizer } from '../src/tokenizer/bert-tokenizer.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const SHARED = resolve(import.meta.dirname, '../../..', 'shared', 'data');
const data = arg('data', join(SHARED, 'chnsenticorp', 'train.tsv'));
const rows = Number(arg('rows', '200'));
const perWordRows = Number(arg('per-word-rows', '20'));
const k = 15;

await initBackend(undefined, { quiet: false });
const work = mkdtempSync(join(tmpdir(), 'tb-bench-augment-'));
let modelDir = arg('model', '');
if (!modelDir) {
  const config = join(work, 'mlm.json');
  writeFileSync(config, JSON.stringify({
    model_type: 'nezha', vocab_size: 21128, hidden_size: 128, num_hidden_layers: 4, num_attention_heads: 4, intermediate_size: 512,
    max_position_embeddings: 512, use_relative_position: true, max_relative_position: 64, type_vocab_size: 2, architectures: ['BertForMaskedLM'],
  }));
  modelDir = join(work, 'mlm');
  await createModelDir({ config, out: modelDir, vocab: join(SHARED, 'vocab', 'zh_vocab_21128.txt'), seed: 1 });
}

const lines = readFileSync(data, 'utf8').split('\n').filter((l) => l.trim());
const sample = join(work, 'sample.tsv');
writeFileSync(sample, `${lines.slice(0, rows + 1).join('\n')}\n`);
const texts = lines.slice(1, rows + 1).map((l) => l.split('\t')[1] ?? '');

const { model, vocabPath } = loadModelDir(modelDir);
const tokenizer = BertTokenizer.fromVocabFile(vocabPath!);
const segmented = texts.map((t) => segmentText(t, tokenizer, { wholeWord: false, stopWords: new Set(), hasVector: () => false, eligible: () => true }));
const units = segmented.reduce((n, s) => n + s.units.length, 0);
console.log(JSON.stringify({ data, rows, mean_chars: texts.reduce((n, t) => n + t.length, 0) / rows, units_per_example: units / rows }));

function run(n: number, masksPerRow: number, batchSize: number) {
  const search = new MaskedLmCandidates(model, tokenizer, { candidates: k, masksPerRow, batchSize, maxSeqLength: 128 });
  const t0 = performance.now();
  const out = search.run(segmented.slice(0, n));
  const seconds = (performance.now() - t0) / 1000;
  return { out, seconds, stats: search.stats };
}

// The machine may be shared: each variant runs `reps` times, interleaved with the others, and the
// fastest run counts.
const reps = Number(arg('reps', '2'));
const variants = [0, 1, 4, 8, 16]; // 0: the reference, one pass per word
const best = new Map<number, ReturnType<typeof run>>();
for (let r = 0; r < reps; r++) {
  for (const masks of variants) {
    const result = masks === 0 ? run(perWordRows, 1, 1) : run(perWordRows, masks, 32);
    if (!best.has(masks) || result.seconds < best.get(masks)!.seconds) best.set(masks, result);
  }
}
const reference = best.get(0)!;
console.log(JSON.stringify({
  variant: 'one pass per word (reference)', examples: perWordRows, seconds: reference.seconds,
  examples_per_second: perWordRows / reference.seconds, passes_per_example: reference.stats.forwardPasses / perWordRows,
}));
for (const masks of variants.slice(1)) {
  const same = best.get(masks)!;
  let overlap = 0;
  let top1 = 0;
  let n = 0;
  same.out.forEach((t, i) => t.forEach((c, j) => {
    const ref = reference.out[i]![j]!;
    overlap += c.filter((x) => ref.includes(x)).length / Math.max(1, ref.length);
    top1 += Number(c[0] === ref[0]);
    n++;
  }));
  const result: Record<string, unknown> = {
    variant: `batched, ${masks} mask(s) per row`, examples: perWordRows, seconds: same.seconds, examples_per_second: perWordRows / same.seconds,
    passes_per_example: same.stats.forwardPasses / perWordRows, rows_per_example: same.stats.rows / perWordRows,
    speedup_vs_reference: reference.seconds / same.seconds, candidate_overlap_with_reference: overlap / n, top1_agreement: top1 / n,
  };
  // Throughput on all rows (one mask per row costs what the reference does per row: skipped).
  if (masks > 1 && rows > perWordRows) {
    const full = run(rows, masks, 32);
    Object.assign(result, { examples_all: rows, examples_per_second_all: rows / full.seconds, passes_per_example_all: full.stats.forwardPasses / rows });
  }
  console.log(JSON.stringify(result));
}

const out = join(work, 'augmented.tsv');
const summary = await augment({ model: modelDir, data: sample, out, header: true });
console.log(JSON.stringify({ variant: 'augment, defaults', ...summary, examples_per_second: summary.examples / summary.seconds }));
// What replaced what: the first copy of the first few examples against its original (character
// units keep lengths, so position i of the copy replaced position i of the original).
const written = readFileSync(out, 'utf8').split('\n').slice(1);
const perExample = readFileSync(`${out}.stats.jsonl`, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { written: number }).written);
let at = 0;
perExample.slice(0, Number(arg('samples', '5'))).forEach((count) => {
  const original = written[at]!.split('\t')[1]!;
  const copy = count > 1 ? written[at + 1]!.split('\t')[1]! : original;
  const replaced = [...original].flatMap((ch, i) => (copy[i] !== ch ? [`${ch}→${copy[i]}`] : []));
  console.log(JSON.stringify({ original: original.slice(0, 50), copy: copy.slice(0, 50), replaced: replaced.slice(0, 15), replaced_share: replaced.length / original.length }));
  at += count;
});
