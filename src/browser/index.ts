/**
 * Browser entry point: loads a student exported with `tinybert export --format tfjs` over HTTP
 * (model.json + shards, config, vocab.txt) and runs it with TensorFlow.js. Nothing here (or in
 * what it imports) may touch node: modules; test/browser/browser.test.ts bundles this file with
 * esbuild for the browser and fails on any node: import it finds.
 *
 * Inference runs on the tfjs `cpu` backend by default: importing @tensorflow/tfjs also registers
 * webgl, whose float16 textures on some GPUs would make results differ from Node's.
 */
import { tf } from '../backend/tf.js';
import { decodeTfjsWeights } from '../checkpoint/tfjs-codec.js';
import { mapName } from '../checkpoint/names.js';
import { CheckpointError, DataError } from '../errors.js';
import { BertModel } from '../model/bert.js';
import { parseModelConfig, type ModelConfig } from '../model/config-schema.js';
import { modelParams } from '../model/params.js';
import { inferExamples } from '../tasks/infer.js';
import { inferenceForHead, TASK_INFERENCE } from '../tasks/inference-registry.js';
import { applySettings, inferenceLength } from '../tasks/settings.js';
import { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import { pyStrip } from '../tokenizer/chars.js';
import { Vocab } from '../tokenizer/vocab.js';

export { BertModel } from '../model/bert.js';
export { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
export type { ModelConfig } from '../model/config-schema.js';

export interface LoadTfjsOptions {
  /** tfjs backend to run on (default "cpu"; "webgl" is faster and less exact). */
  backend?: string;
  /** fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

export interface LoadedTfjsModel {
  model: BertModel;
  /** Present when the export has a vocab.txt. */
  tokenizer?: BertTokenizer;
  config: ModelConfig;
}

/** Resolves `path` against the export's base URL (a trailing slash is implied). */
function urlOf(baseUrl: string, path: string): string {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const origin = (globalThis as { location?: { href: string } }).location?.href;
  return new URL(path, origin ? new URL(base, origin) : base).href;
}

async function get(f: typeof fetch, url: string, optional: true): Promise<Response | undefined>;
async function get(f: typeof fetch, url: string, optional?: false): Promise<Response>;
async function get(f: typeof fetch, url: string, optional = false): Promise<Response | undefined> {
  let res: Response;
  try {
    res = await f(url);
  } catch (e) {
    throw new CheckpointError(`${url}: cannot fetch (${(e as Error).message})`);
  }
  if (res.ok) return res;
  if (optional && res.status === 404) return undefined;
  throw new CheckpointError(`${url}: HTTP ${res.status} ${res.statusText}`);
}

async function json(res: Response, url: string): Promise<unknown> {
  try {
    return await res.json();
  } catch (e) {
    throw new CheckpointError(`${url}: not valid JSON (${(e as Error).message})`);
  }
}

/** vocab.txt as the reference `load_vocab` reads it: universal newlines, each line stripped. */
export function vocabFromText(text: string, source = 'vocab.txt'): Vocab {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new DataError(`vocabulary file ${source} is empty; expected one token per line`);
  return Vocab.fromTokens(lines.map(pyStrip));
}

/** Fetches and builds the exported model (and its tokenizer) under `baseUrl`. */
export async function loadTfjsModel(baseUrl: string, opts: LoadTfjsOptions = {}): Promise<LoadedTfjsModel> {
  const f = opts.fetch ?? globalThis.fetch.bind(globalThis);
  await tf.setBackend(opts.backend ?? 'cpu');
  await tf.ready();

  const manifestUrl = urlOf(baseUrl, 'model.json');
  const modelJson = (await json(await get(f, manifestUrl), manifestUrl)) as { config?: unknown; weightsManifest?: { paths?: string[] }[] };
  // The export embeds the config in model.json; config.json is the fallback for other writers.
  let rawConfig = modelJson.config;
  let configSource = `${manifestUrl} (config)`;
  if (rawConfig === undefined) {
    configSource = urlOf(baseUrl, 'config.json');
    rawConfig = await json(await get(f, configSource), configSource);
  }
  const config = parseModelConfig(rawConfig, configSource);

  const paths = (modelJson.weightsManifest ?? []).flatMap((g) => g.paths ?? []);
  const shards = await Promise.all(paths.map(async (p) => (await get(f, urlOf(baseUrl, p))).arrayBuffer()));
  const raw = decodeTfjsWeights(modelJson, shards, manifestUrl);

  const byName = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [external, t] of raw) {
    const m = mapName(external);
    if (m.kind === 'param') byName.set(m.name, t);
  }
  const values = new Map<string, tf.Tensor>();
  try {
    for (const spec of modelParams(config)) {
      const t = byName.get(spec.name);
      if (!t) throw new CheckpointError(`${manifestUrl}: no weight for parameter ${spec.name}`);
      if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
        throw new CheckpointError(`${manifestUrl}: ${spec.name} has shape [${t.shape}], the config needs [${spec.shape}]`);
      }
      values.set(spec.name, tf.tensor(t.data, spec.shape, 'float32'));
    }
    const model = BertModel.fromTensors(config, values);
    return { model, config, tokenizer: await loadTokenizer(f, baseUrl) };
  } finally {
    for (const t of values.values()) t.dispose();
  }
}

async function loadTokenizer(f: typeof fetch, baseUrl: string): Promise<BertTokenizer | undefined> {
  const vocabUrl = urlOf(baseUrl, 'vocab.txt');
  const res = await get(f, vocabUrl, true);
  if (!res) return undefined;
  const vocab = vocabFromText(await res.text(), vocabUrl);
  const tokUrl = urlOf(baseUrl, 'tokenizer_config.json');
  const tokRes = await get(f, tokUrl, true);
  const tok = tokRes ? ((await json(tokRes, tokUrl)) as { do_lower_case?: unknown }) : {};
  return new BertTokenizer(vocab, { doLowerCase: typeof tok.do_lower_case === 'boolean' ? tok.do_lower_case : true });
}

/** Token ids of a batch, [B][T] each (rows padded to one length). */
export interface IdBatch {
  inputIds: number[][];
  tokenTypeIds?: number[][];
  attentionMask?: number[][];
}

export interface PredictResult {
  /** [B][K] raw classifier outputs. */
  logits: number[][];
  /** [B][K] softmax of the logits. */
  probabilities: number[][];
  /** Most probable label name per row (from the config's id2label). */
  labels: string[];
}

/** Runs a classification model on token ids (or on texts, when given a tokenizer). */
export function predict(model: BertModel, batch: IdBatch): PredictResult {
  const rows = tf.tidy(() => {
    const out = model.forward({
      inputIds: tf.tensor2d(batch.inputIds, undefined, 'int32'), // [B, T]
      tokenTypeIds: batch.tokenTypeIds ? tf.tensor2d(batch.tokenTypeIds, undefined, 'int32') : undefined, // [B, T]
      attentionMask: batch.attentionMask ? tf.tensor2d(batch.attentionMask, undefined, 'int32') : undefined, // [B, T]
    });
    if (!out.logits || out.logits.rank !== 2) throw new DataError('predict: the model has no sequence-classification head');
    return [out.logits.arraySync() as number[][], tf.softmax(out.logits).arraySync() as number[][]] as const; // [B, K] each
  });
  const [logits, probabilities] = rows as unknown as [number[][], number[][]];
  const labels = probabilities.map((p) => model.config.labels[p.indexOf(Math.max(...p))]!);
  return { logits, probabilities, labels };
}

/**
 * Tokenizes texts (`[a, b]` for pairs) to at most `maxLength` tokens (default: the length the model
 * was trained with, else 128; capped by its positions), pads them to the longest and runs `predict`.
 */
export function predictTexts(loaded: LoadedTfjsModel, texts: (string | [string, string])[], maxLength = inferenceLength(loaded.config)): PredictResult {
  if (!loaded.tokenizer) throw new DataError('predictTexts: the export has no vocab.txt; use predict() with token ids');
  const enc = texts.map((t) => (typeof t === 'string' ? loaded.tokenizer!.encode(t, null, { maxLength }) : loaded.tokenizer!.encode(t[0], t[1], { maxLength })));
  const T = Math.max(...enc.map((e) => e.inputIds.length));
  const pad = (r: number[]) => [...r, ...new Array<number>(T - r.length).fill(0)];
  return predict(loaded.model, {
    inputIds: enc.map((e) => pad(e.inputIds)),
    tokenTypeIds: enc.map((e) => pad(e.tokenTypeIds)),
    attentionMask: enc.map((e) => pad(e.attentionMask)),
  });
}

export interface PredictRecordsOptions {
  /** Positions per example or window including [CLS]/[SEP] (default: the model's recorded task_settings length, else 128; capped by the model's positions). */
  maxLength?: number;
  /** Examples per forward pass (default 32). */
  batchSize?: number;
}

/**
 * Runs the export on raw texts (`[a, b]` for pairs) through its task kind's inference, the path
 * `tinybert predict` takes: one record per text, as predict prints them (classification: label,
 * score, probabilities; token classification: entities with character offsets).
 */
export function predictRecords(loaded: LoadedTfjsModel, texts: (string | [string, string])[], opts: PredictRecordsOptions = {}): Record<string, unknown>[] {
  const { config, tokenizer } = loaded;
  const inference = inferenceForHead(config.head);
  if (!inference) {
    throw new DataError(`predictRecords: the model has head "${config.head}"; a task model has one of ${TASK_INFERENCE.map((m) => m.modelHead).join(', ')}`);
  }
  if (!tokenizer) throw new DataError('predictRecords: the export has no vocab.txt; use predict() with token ids');
  const maxSeqLength = inferenceLength(config, opts.maxLength);
  const taskConfig = applySettings(inference, inference.textConfig(maxSeqLength, { numLabels: config.numLabels, labels: config.labels }), config.taskSettings, maxSeqLength);
  const task = { module: inference, config: taskConfig, labels: inference.labelsOf(taskConfig) ?? config.labels, tokenizer, maxSeqLength };
  const examples = texts.map((t) => inference.textExample(t));
  const outputs = inferExamples(loaded.model, task, examples, opts.batchSize ?? 32);
  return examples.map((e, i) => inference.predictionRecord(e, outputs[i]));
}
