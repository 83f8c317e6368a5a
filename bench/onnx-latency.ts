/**
 * `npm run bench:onnx [-- flags]`: inference latency per example of the teacher (NEZHA-base shapes,
 * 12L-768, relative positions) and the TinyBERT-4L-312 student (random weights: latency does not
 * depend on them) on real ChnSentiCorp sentences — tinybert's own forward on the chosen backend
 * against onnxruntime-node running our ONNX export, float32 and int8 (onnx/model_quantized.onnx).
 * Batch 1 runs each sentence at its own length; batch 32 pads each batch to its longest sentence.
 * A benchmark, not a test; the 2-core machine is shared, so the load average is printed too.
 *
 * Flags: --data FILE (ChnSentiCorp-style tsv: label<TAB>text with a header; default
 * ../shared/data/chnsenticorp/dev.tsv, else recipes/demo/dev.tsv), --vocab FILE (default the 21128-token
 * Chinese vocabulary beside the data, else the demo's), --sentences N (batch-1 sentences, default 16),
 * --batches N (timed batches of 32, default 1), --max-seq 128, --threads 2, --backend native,
 * --models teacher,student, --json.
 * --accuracy DIR [--dev FILE]: instead, the dev accuracy of a trained classification model directory
 * (e.g. runs/demo/export) through tinybert, onnxruntime fp32 and int8 (--dev default recipes/demo/dev.tsv,
 * label<TAB>text_a with a header; --max-seq applies), and how often int8 and fp32 disagree.
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({
  options: {
    data: { type: 'string' },
    vocab: { type: 'string' },
    sentences: { type: 'string', default: '16' },
    batches: { type: 'string', default: '1' },
    'max-seq': { type: 'string', default: '128' },
    threads: { type: 'string', default: '2' },
    backend: { type: 'string', default: 'native' },
    models: { type: 'string', default: 'teacher,student' },
    json: { type: 'boolean', default: false },
    accuracy: { type: 'string' },
    dev: { type: 'string' },
  },
  allowPositionals: false,
});

const threads = Number(flags.threads);
process.env.TINYBERT_THREADS = String(threads);
process.env.OPENBLAS_NUM_THREADS ??= String(threads);

const ort = await import('onnxruntime-node');
const { tf } = await import('../src/backend/tf.js');
const { initBackend } = await import('../src/backend/select.js');
const { bertOnnxModel, encodeModel } = await import('../src/checkpoint/onnx/index.js');
const { parseModelConfig } = await import('../src/model/config.js');
const { createModel } = await import('../src/model/init.js');
const { loadModelDir } = await import('../src/checkpoint/model-dir.js');
const { BertTokenizer, Vocab } = await import('../src/tokenizer/index.js');
type BertModel = import('../src/model/bert.js').BertModel;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHARED_DATA = resolve(ROOT, '..', 'shared', 'data');
const realData = join(SHARED_DATA, 'chnsenticorp', 'dev.tsv');
const DATA = flags.data ?? (existsSync(realData) ? realData : join(ROOT, 'recipes', 'demo', 'dev.tsv'));
const realVocab = join(SHARED_DATA, 'vocab', 'zh_vocab_21128.txt');
const VOCAB = flags.vocab ?? (existsSync(realVocab) ? realVocab : join(ROOT, 'recipes', 'demo', 'vocab.txt'));
const MAX_SEQ = Number(flags['max-seq']);
const BATCH = 32;

const round = (x: number, d = 2): number => Number(x.toFixed(d));
const load = (): number => round(loadavg()[0]!, 2);

function emit(obj: Record<string, unknown>): void {
  if (flags.json) process.stdout.write(`${JSON.stringify(obj)}\n`);
  else process.stdout.write(`${Object.values(obj).map((v) => String(v).padEnd(12)).join(' ')}\n`);
}

/** Texts of a tsv whose header names a text_a column (ChnSentiCorp: label, text_a). */
function readTexts(file: string): string[] {
  const [header, ...rows] = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const col = header!.split('\t').indexOf('text_a');
  return rows.map((r) => r.split('\t')[col < 0 ? 1 : col] ?? '');
}

interface Batch {
  B: number;
  T: number;
  ids: number[];
  types: number[];
  mask: number[];
}

const info = await initBackend(flags.backend, { quiet: true });
const accuracyModel = flags.accuracy === undefined ? undefined : loadModelDir(flags.accuracy);
const tokenizer = BertTokenizer.fromVocabFile(accuracyModel?.vocabPath ?? VOCAB);
const vocabSize = Vocab.fromFile(VOCAB).tokens().length;

/** Consecutive sentences as batches of `size` (the last may be smaller), each padded to its longest sentence (≤ MAX_SEQ). */
function batches(texts: string[], size: number, count: number): Batch[] {
  const out: Batch[] = [];
  for (let i = 0; out.length < count && i < texts.length; i += size) {
    const enc = texts.slice(i, i + size).map((t) => tokenizer.encode(t, null, { maxLength: MAX_SEQ }));
    const T = Math.max(...enc.map((e) => e.inputIds.length));
    const pad = (xs: number[]) => [...xs, ...new Array<number>(T - xs.length).fill(0)];
    out.push({
      B: enc.length,
      T,
      ids: enc.flatMap((e) => pad(e.inputIds)),
      types: enc.flatMap((e) => pad(e.tokenTypeIds)),
      mask: enc.flatMap((e) => pad(e.attentionMask)),
    });
  }
  return out;
}

function classifier(configFile: string): BertModel {
  const raw = JSON.parse(readFileSync(join(ROOT, configFile), 'utf8')) as Record<string, unknown>;
  const config = parseModelConfig({ ...raw, vocab_size: vocabSize, architectures: undefined, head: 'classification', num_labels: 2 }, configFile);
  return createModel(config, 1);
}

/** Milliseconds per example over all batches, after one untimed warm-up batch. */
async function perExample(run: (b: Batch) => Promise<void>, bs: Batch[]): Promise<number> {
  await run(bs[0]!);
  const start = process.hrtime.bigint();
  for (const b of bs) await run(b);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return ms / bs.reduce((n, b) => n + b.B, 0);
}

function tinybertRunner(model: BertModel): (b: Batch) => Promise<void> {
  return async (b) => {
    const logits = tf.tidy(() => {
      const t = (v: number[]) => tf.tensor2d(v, [b.B, b.T], 'int32');
      return model.forward({ inputIds: t(b.ids), tokenTypeIds: t(b.types), attentionMask: t(b.mask) }).logits!;
    });
    await logits.data();
    logits.dispose();
  };
}

function ortRunner(session: import('onnxruntime-node').InferenceSession): (b: Batch) => Promise<void> {
  return async (b) => {
    const t = (v: number[]) => new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), [b.B, b.T]);
    await session.run({ input_ids: t(b.ids), attention_mask: t(b.mask), token_type_ids: t(b.types) });
  };
}

/** Logits [B, K] of a batch through tinybert or an onnxruntime session. */
async function logitsOf(engine: BertModel | import('onnxruntime-node').InferenceSession, b: Batch): Promise<Float32Array> {
  if (!('run' in engine)) {
    const logits = tf.tidy(() => {
      const t = (v: number[]) => tf.tensor2d(v, [b.B, b.T], 'int32');
      return engine.forward({ inputIds: t(b.ids), tokenTypeIds: t(b.types), attentionMask: t(b.mask) }).logits!;
    });
    const data = (await logits.data()) as Float32Array;
    logits.dispose();
    return data;
  }
  const t = (v: number[]) => new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), [b.B, b.T]);
  return (await engine.run({ input_ids: t(b.ids), attention_mask: t(b.mask), token_type_ids: t(b.types) })).logits!.data as Float32Array;
}

const argmaxRows = (x: Float32Array, K: number): number[] =>
  Array.from({ length: x.length / K }, (_, i) => {
    const row = Array.from(x.subarray(i * K, (i + 1) * K));
    return row.indexOf(Math.max(...row));
  });

/** Dev accuracy of a trained classifier through tinybert, onnxruntime fp32 and int8. */
async function accuracy(model: BertModel, devFile: string): Promise<void> {
  const lines = readFileSync(devFile, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(1).map((l) => l.split('\t'));
  const gold = lines.map((r) => model.config.labels.indexOf(r[0]!));
  const texts = lines.map((r) => r[1] ?? '');
  const bs = batches(texts, BATCH, Math.ceil(texts.length / BATCH));
  const K = model.config.numLabels;
  const weights = await model.tensorData();
  const preds: Record<string, number[]> = { tinybert: [] };
  for (const b of bs) preds.tinybert!.push(...argmaxRows(await logitsOf(model, b), K));
  for (const quantize of [false, true]) {
    const session = await ort.InferenceSession.create(encodeModel(bertOnnxModel(model.config, weights, { quantize })), { intraOpNumThreads: threads });
    const key = quantize ? 'ort int8' : 'ort fp32';
    preds[key] = [];
    for (const b of bs) preds[key]!.push(...argmaxRows(await logitsOf(session, b), K));
    await session.release();
  }
  const n = preds.tinybert!.length;
  emit({ engine: 'engine', accuracy: `accuracy (${n} dev examples of ${devFile})`, differs: 'predictions ≠ fp32' });
  for (const [engine, p] of Object.entries(preds)) {
    const acc = p.filter((x, i) => x === gold[i]).length / n;
    emit({ engine, accuracy: round(acc, 4), differs: p.filter((x, i) => x !== preds['ort fp32']![i]).length });
  }
}

if (accuracyModel) {
  await accuracy(accuracyModel.model, flags.dev ?? join(ROOT, 'recipes', 'demo', 'dev.tsv'));
  process.exit(0);
}
const texts = readTexts(DATA);
const single = batches(texts, 1, Number(flags.sentences) + 1);
const grouped = batches(texts, BATCH, Number(flags.batches) + 1);
const meanLen = (bs: Batch[]) => round(bs.reduce((n, b) => n + b.mask.reduce((a, m) => a + m, 0), 0) / bs.reduce((n, b) => n + b.B, 0), 1);
process.stderr.write(
  `backend ${info.description}, ${threads} threads, onnxruntime-node ${ort.env.versions.common}; ${DATA}: ` +
    `batch 1 × ${single.length} sentences (mean ${meanLen(single)} tokens), batch ${BATCH} × ${grouped.length} (mean ${meanLen(grouped)} tokens, padded to ${grouped.map((b) => b.T).join('/')}); one untimed warm-up run each\n`,
);

const MODELS: Record<string, string> = { teacher: 'teachers/nezha-cn-base.json', student: 'students/tinybert-4l-312.json' };
emit({ model: 'model', engine: 'engine', batch1_ms: 'batch 1 ms/ex', batch32_ms: `batch ${BATCH} ms/ex`, load: 'load avg' });
for (const name of flags.models.split(',')) {
  const model = classifier(MODELS[name]!);
  const label = `${name} ${model.config.numLayers}L-${model.config.hiddenSize}`;
  const run = tinybertRunner(model);
  emit({ model: label, engine: `tinybert ${flags.backend}`, batch1_ms: round(await perExample(run, single)), batch32_ms: round(await perExample(run, grouped)), load: load() });
  const weights = await model.tensorData();
  for (const quantize of [false, true]) {
    const bytes = encodeModel(bertOnnxModel(model.config, weights, { quantize }));
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });
    const r = ortRunner(session);
    emit({
      model: label,
      engine: `ort ${quantize ? 'int8' : 'fp32'} (${round(bytes.length / 2 ** 20, 0)} MB)`,
      batch1_ms: round(await perExample(r, single)),
      batch32_ms: round(await perExample(r, grouped)),
      load: load(),
    });
    await session.release();
  }
  model.dispose();
}
