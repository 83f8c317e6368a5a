/**
 * JSON batches `{input_ids, token_type_ids, attention_mask}` (the layout of the golden
 * `batch.json`) and the eval-mode forward record written for them: every hidden state, attention
 * score tensor, pooled output and logits under the key names of the reference dumps
 * (`hidden_states.0`, `attention_scores.0`, …), so a user porting from PyTorch can diff the two files.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { tf, type Tensor } from '../backend/tf.js';
import { DataError } from '../errors.js';
import { validate } from '../util/validate.js';
import type { BertModel } from './bert.js';
import type { ModelConfig } from './config.js';

const idRows = z.array(z.array(z.number().int().min(0)).min(1)).min(1);
export const batchJsonSchema = z.looseObject({
  input_ids: idRows.describe('[B][T] word-piece ids'),
  token_type_ids: idRows.optional().describe('[B][T] segment ids (default 0)'),
  attention_mask: idRows.optional().describe('[B][T] 1 = real token, 0 = padding (default 1)'),
});
export type BatchJson = z.infer<typeof batchJsonSchema>;

export interface TensorJson {
  shape: number[];
  data: number[];
}

export function readBatchJson(path: string): BatchJson {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DataError(`${path}: cannot read JSON batch (${(e as Error).message})`);
  }
  const b = validate(batchJsonSchema, raw, path, DataError);
  const T = b.input_ids[0].length;
  for (const key of ['input_ids', 'token_type_ids', 'attention_mask'] as const) {
    const rows = b[key];
    if (!rows) continue;
    if (rows.length !== b.input_ids.length) {
      throw new DataError(`${path}: field ${key}: ${rows.length} rows, expected ${b.input_ids.length} (as input_ids)`);
    }
    const bad = rows.findIndex((row) => row.length !== T);
    if (bad >= 0) throw new DataError(`${path}: field ${key}.${bad}: length ${rows[bad].length}, expected ${T} (all rows padded to one length)`);
  }
  return b;
}

export function batchTensors(b: BatchJson): { inputIds: Tensor; tokenTypeIds?: Tensor; attentionMask?: Tensor } {
  return {
    inputIds: tf.tensor2d(b.input_ids, undefined, 'int32'),
    tokenTypeIds: b.token_type_ids ? tf.tensor2d(b.token_type_ids, undefined, 'int32') : undefined,
    attentionMask: b.attention_mask ? tf.tensor2d(b.attention_mask, undefined, 'int32') : undefined,
  };
}

function toJson(t: Tensor): TensorJson {
  return { shape: [...t.shape], data: Array.from(t.dataSync()) };
}

/** Runs `model` in eval mode and returns the reference-layout record. */
export function forwardRecord(model: BertModel, batch: BatchJson): Record<string, TensorJson> {
  const rec: Record<string, TensorJson> = {};
  tf.tidy(() => {
    const out = model.forward(batchTensors(batch), { training: false });
    out.hiddenStates.forEach((h, i) => (rec[`hidden_states.${i}`] = toJson(h)));
    out.attentionScores.forEach((a, i) => (rec[`attention_scores.${i}`] = toJson(a)));
    if (out.pooledOutput) rec.pooled_output = toJson(out.pooledOutput);
    if (out.logits) rec.logits = toJson(out.logits);
    if (out.seqRelationshipLogits) rec.seq_relationship_logits = toJson(out.seqRelationshipLogits);
  });
  return rec;
}

/** One key per line, like the reference dumps, so files diff line by line. */
export function recordToJson(rec: Record<string, unknown>): string {
  const lines = Object.entries(rec).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}

/**
 * Ids the model cannot embed are refused before the forward pass, which would otherwise stop inside
 * a gather kernel with a message naming no file.
 */
export function checkBatchIds(b: BatchJson, config: Pick<ModelConfig, 'vocabSize' | 'typeVocabSize'>, path: string): void {
  const check = (key: 'input_ids' | 'token_type_ids', limit: number, what: string) => {
    b[key]?.forEach((row, i) => {
      const j = row.findIndex((id) => id >= limit);
      if (j >= 0) throw new DataError(`${path}: ${key}[${i}][${j}] is ${row[j]}, but the model's ${what} is ${limit} (ids 0..${limit - 1})`);
    });
  };
  check('input_ids', config.vocabSize, 'vocab_size');
  check('token_type_ids', config.typeVocabSize, 'type_vocab_size');
}
