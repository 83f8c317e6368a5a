/**
 * Tiny models for the ONNX export tests: one per task head, each with BERT (absolute) and NEZHA
 * (relative, clipped at 3 so sequences of 12 tokens exercise the clipping) positions, saved as
 * model directories and exported with `--format onnx`; plus our eval-mode forward to compare with.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../../src/backend/tf.js';
import { exportModel } from '../../src/checkpoint/export.js';
import { saveModelDir } from '../../src/checkpoint/model-dir.js';
import type { BertModel } from '../../src/model/bert.js';
import type { RawModelConfig } from '../../src/model/config.js';
import { TINY_CONFIG, tinyModel, writeVocab } from './tiny.js';

export type OnnxHead = 'classification' | 'token-classification' | 'span';

export interface OnnxCase {
  name: string;
  head: OnnxHead;
  positions: 'bert' | 'nezha';
  config: RawModelConfig;
}

const LABELS: Record<OnnxHead, Record<string, string>> = {
  classification: { '0': 'negative', '1': 'neutral', '2': 'positive' },
  'token-classification': { '0': 'O', '1': 'B-ITEM', '2': 'I-ITEM' },
  span: { '0': 'start', '1': 'end' },
};

const ARCHITECTURE: Record<OnnxHead, string> = {
  classification: 'ForSequenceClassification',
  'token-classification': 'ForTokenClassification',
  span: 'ForQuestionAnswering',
};

export const ONNX_CASES: OnnxCase[] = (['classification', 'token-classification', 'span'] as const).flatMap((head) =>
  (['bert', 'nezha'] as const).map((positions) => ({
    name: `${positions} ${head}`,
    head,
    positions,
    config: {
      ...TINY_CONFIG,
      model_type: positions,
      max_relative_position: 3,
      id2label: LABELS[head],
      architectures: [`${positions === 'bert' ? 'Bert' : 'Nezha'}${ARCHITECTURE[head]}`],
      // A TinyBERT-style classifier reads relu(pooled): the graph must carry the ReLU.
      ...(head === 'classification' && positions === 'nezha' ? { classifier_relu: true } : {}),
    },
  })),
);

export interface ExportedCase {
  model: BertModel;
  /** tinybert model directory (safetensors). */
  source: string;
  /** The ONNX export of `source`. */
  out: string;
  warnings: string[];
}

/** Saves the case's model under `root/name` and exports it to `root/onnx-name`. */
export async function exportCase(root: string, c: OnnxCase, seed = 11): Promise<ExportedCase> {
  const vocab = writeVocab(join(root, 'vocab'));
  const model = tinyModel(c.config, seed);
  const slug = c.name.replace(/\s+/g, '-');
  const source = join(root, slug);
  mkdirSync(root, { recursive: true });
  await saveModelDir(model, source, { vocab });
  const out = join(root, `onnx-${slug}`);
  const r = await exportModel(source, { out, format: 'onnx' });
  return { model, source, out, warnings: r.warnings };
}

export interface IdBatch {
  B: number;
  T: number;
  inputIds: number[];
  tokenTypeIds: number[];
  attentionMask: number[];
}

/** A deterministic [B, T] batch over the 30-token vocabulary; the last row is padded, the first is a pair. */
export function idBatch(B: number, T: number, seed = 1): IdBatch {
  let s = seed;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % 25;
  const inputIds: number[] = [];
  const tokenTypeIds: number[] = [];
  const attentionMask: number[] = [];
  for (let b = 0; b < B; b++) {
    const real = b === B - 1 && B > 1 ? T - 2 : T;
    for (let t = 0; t < T; t++) {
      const id = t === 0 ? 2 : t === real - 1 ? 3 : t < real ? 5 + next() : 0;
      inputIds.push(id);
      tokenTypeIds.push(b === 0 && t >= T / 2 && t < real ? 1 : 0);
      attentionMask.push(t < real ? 1 : 0);
    }
  }
  return { B, T, inputIds, tokenTypeIds, attentionMask };
}

/** Our eval-mode head output on `batch`, flat: logits, or span logits as [B, T, 2]. */
export function ourLogits(model: BertModel, batch: IdBatch): Float32Array {
  return tf.tidy(() => {
    const t = (v: number[]) => tf.tensor2d(v, [batch.B, batch.T], 'int32');
    const out = model.forward({ inputIds: t(batch.inputIds), tokenTypeIds: t(batch.tokenTypeIds), attentionMask: t(batch.attentionMask) });
    return out.logits!.dataSync() as Float32Array;
  });
}

/** Softmax of one row in float64. */
export function softmax(row: ArrayLike<number>): number[] {
  const values = Array.from(row);
  const m = Math.max(...values);
  const e = values.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}
