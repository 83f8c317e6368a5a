/**
 * A tiny classification model with a 30-token vocabulary, saved as a training checkpoint would be:
 * model directory + training-only `fit_dense` tensors + optimizer state + trainer.json. Shared by
 * the export, evaluation and browser tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../../src/backend/tf.js';
import { saveModelDir } from '../../src/checkpoint/model-dir.js';
import type { TensorMap } from '../../src/checkpoint/tensor-map.js';
import type { BertModel } from '../../src/model/bert.js';
import { parseModelConfig, type RawModelConfig } from '../../src/model/config.js';
import { createModel } from '../../src/model/init.js';

export const TINY_VOCAB = [
  '[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]',
  '好', '坏', '很', '不', '电', '影', '书', '这', '本', '部', '的', '是', '我', '喜', '欢',
  '一', '般', '还', '行', '太', '差', '了', '棒', '!', '。',
];

export const TINY_CONFIG: RawModelConfig = {
  model_type: 'bert',
  vocab_size: TINY_VOCAB.length,
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 24,
  max_position_embeddings: 32,
  initializer_range: 0.5,
  hidden_dropout_prob: 0,
  attention_probs_dropout_prob: 0,
  id2label: { '0': 'negative', '1': 'positive' },
  architectures: ['BertForSequenceClassification'],
};

export function writeVocab(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'vocab.txt');
  writeFileSync(path, `${TINY_VOCAB.join('\n')}\n`);
  return path;
}

/** Non-zero biases and LayerNorms so a loader that drops one of them is caught. */
export function tinyModel(raw: RawModelConfig = TINY_CONFIG, seed = 7): BertModel {
  const model = createModel(parseModelConfig(raw, 'tiny config'), seed);
  let i = 0;
  for (const [name, v] of model.params) {
    if (name.endsWith('.bias') || name.includes('LayerNorm')) {
      tf.tidy(() => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.1, 'float32', seed * 1000 + i++))));
    }
  }
  return model;
}

/** Writes `model` as a training checkpoint (with fit_dense, optimizer state and trainer.json). */
export async function writeTrainingCheckpoint(model: BertModel, dir: string, vocab: string): Promise<void> {
  const C = model.config.hiddenSize;
  const extras: TensorMap = new Map([
    ['fit_dense.weight', { shape: [2 * C, C], data: new Float32Array(2 * C * C).fill(0.25), dtype: 'F32' }],
    ['fit_dense.bias', { shape: [2 * C], data: new Float32Array(2 * C).fill(0.5), dtype: 'F32' }],
  ]);
  await saveModelDir(model, dir, { vocab, extras });
  writeFileSync(join(dir, 'optimizer.safetensors'), 'optimizer state (not read by export)');
  writeFileSync(join(dir, 'trainer.json'), JSON.stringify({ stage: 'task-prediction', step: 3 }));
}

/** A fixed batch of token ids over the tiny vocabulary, with padding in the last row. */
export const TINY_BATCH = {
  inputIds: [
    [2, 12, 14, 9, 10, 7, 5, 3],
    [2, 17, 8, 18, 19, 25, 26, 3],
    [2, 20, 21, 3, 22, 23, 3, 0],
  ],
  tokenTypeIds: [
    [0, 0, 0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 1, 1, 1, 0],
  ],
  attentionMask: [
    [1, 1, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1, 1, 0],
  ],
};

/** Eval-mode logits of `model` on TINY_BATCH, flat. */
export function tinyLogits(model: BertModel): Float32Array {
  return tf.tidy(() => {
    const out = model.forward({
      inputIds: tf.tensor2d(TINY_BATCH.inputIds, undefined, 'int32'),
      tokenTypeIds: tf.tensor2d(TINY_BATCH.tokenTypeIds, undefined, 'int32'),
      attentionMask: tf.tensor2d(TINY_BATCH.attentionMask, undefined, 'int32'),
    });
    return out.logits!.dataSync() as Float32Array;
  });
}
