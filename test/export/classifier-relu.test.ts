/**
 * The classifier ReLU (issue 9): TinyBERT's reference TinyBertForSequenceClassification computes
 * classifier(relu(pooled)), BERT/NEZHA's classifier(pooled). The shipped configs say which, inspect
 * and the run log say why, and exports say where another loader computes differently.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { initBackend } from '../../src/backend/select.js';
import { exportModel } from '../../src/checkpoint/export.js';
import { formatSummary, inspectModelDir } from '../../src/checkpoint/inspect.js';
import { loadModelDir, saveModelDir } from '../../src/checkpoint/model-dir.js';
import { parseModelConfig, readModelConfig } from '../../src/model/config.js';
import { createModel } from '../../src/model/init.js';
import { forwardRecord, readBatchJson } from '../../src/model/batch-json.js';
import { instantiate } from '../../src/pipeline/models.js';
import { expectClose } from '../helpers/close.js';
import { describeGolden, golden, GOLDEN, ROOT, type TensorJson } from '../helpers/shared.js';
import { TINY_BATCH, TINY_CONFIG, tinyLogits, writeVocab } from './tiny.js';

let tmp: string;
beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  tmp = mkdtempSync(join(tmpdir(), 'tinybert-relu-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TASK_HEAD = { head: 'classification' as const, numLabels: 3, labels: ['a', 'b', 'c'] };

describe('classifier_relu in the shipped configs', () => {
  it('TinyBERT student configs say classifier_relu: true, NEZHA teachers and the demo student false, also once a task head is attached', () => {
    for (const [file, relu] of [
      ['students/tinybert-4l-312.json', true], ['students/tinybert-6l-768.json', true], ['students/tinynezha-4l-312.json', true],
      ['students/demo-tinybert.json', false], ['teachers/nezha-cn-base.json', false], ['teachers/demo-nezha.json', false],
    ] as const) {
      const c = { ...readModelConfig(join(ROOT, file)), ...TASK_HEAD }; // as a task stage instantiates a config slot
      expect([file, c.classifierRelu, c.classifierReluFrom]).toEqual([file, relu, 'config']);
    }
  });

  it('a student created from a shipped student config for a task computes classifier(relu(pooled))', () => {
    const { model } = instantiate({ student: { config: join(ROOT, 'students/tinybert-4l-312.json') } }, 'student', TASK_HEAD, 5);
    try {
      const [logits, expected] = tf.tidy(() => {
        const out = model.forward({
          inputIds: tf.tensor2d(TINY_BATCH.inputIds, undefined, 'int32'),
          attentionMask: tf.tensor2d(TINY_BATCH.attentionMask, undefined, 'int32'),
        });
        const w = model.params.get('classifier.weight')!; // [K, C]
        const b = model.params.get('classifier.bias')!; // [K]
        const ref = tf.add(tf.matMul(tf.relu(out.pooledOutput!), w, false, true), b); // [B, K]
        return [out.logits!.dataSync() as Float32Array, ref.dataSync() as Float32Array];
      });
      expectClose(logits, expected, { atol: 1e-6, what: 'logits vs classifier(relu(pooled))' });
    } finally {
      model.dispose();
    }
  });

  it('a config without the key keeps the fit_size rule, and says so', () => {
    const base = { vocab_size: 10, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 8, num_labels: 2 };
    expect(parseModelConfig({ ...base, fit_size: 16 })).toMatchObject({ classifierRelu: true, classifierReluFrom: 'default' });
    expect(parseModelConfig(base)).toMatchObject({ classifierRelu: false, classifierReluFrom: 'default' });
  });
});

describe('inspect shows which classifier is used and why', () => {
  it('inspect of a keyless classification model names the default rule; with the key, the key', async () => {
    for (const [relu, line] of [
      [undefined, 'classifier classifier(pooled), as BertForSequenceClassification (the config has no classifier_relu key; the default applies ReLU only to configs with fit_size and a classification head)'],
      [true, 'classifier classifier(relu(pooled)), as TinyBertForSequenceClassification (classifier_relu: true in the config)'],
    ] as const) {
      const dir = join(tmp, `inspect-${relu}`);
      const model = createModel(parseModelConfig({ ...TINY_CONFIG, classifier_relu: relu }), 1);
      await saveModelDir(model, dir, { vocab: writeVocab(join(tmp, 'vocab')) });
      model.dispose();
      expect(formatSummary(inspectModelDir(dir)).split('\n')).toContain(line);
    }
  });
});

describe('exports of a classifier_relu model', () => {
  const hfWarning = "Hugging Face's BertForSequenceClassification has no ReLU there, so its logits for this export differ from tinybert's";

  it('writes classifier_relu: true, reloads identically and warns once that Hugging Face has no ReLU', async () => {
    const src = join(tmp, 'relu-model');
    const model = createModel(parseModelConfig({ ...TINY_CONFIG, classifier_relu: true }), 3);
    const logits = tinyLogits(model);
    await saveModelDir(model, src, { vocab: writeVocab(join(tmp, 'vocab')) });
    model.dispose();
    for (const format of ['safetensors', 'pytorch', 'tfjs'] as const) {
      const out = join(tmp, `relu-export-${format}`);
      const r = await exportModel(src, { out, format });
      expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).classifier_relu, format).toBe(true);
      // tfjs exports are read by tinybert only (Node, browser), which honours classifier_relu.
      expect(r.warnings, format).toEqual(format === 'tfjs' ? [] : [expect.stringContaining(hfWarning)]);
      const back = loadModelDir(out).model;
      expect(Array.from(tinyLogits(back)), format).toEqual(Array.from(logits));
      back.dispose();
    }
  });

  it('an export of a model without the ReLU has no warning', async () => {
    const src = join(tmp, 'plain-model');
    const model = createModel(parseModelConfig({ ...TINY_CONFIG, classifier_relu: false }), 3);
    await saveModelDir(model, src, { vocab: writeVocab(join(tmp, 'vocab')) });
    model.dispose();
    const r = await exportModel(src, { out: join(tmp, 'plain-export'), format: 'safetensors' });
    expect(r.warnings).toEqual([]);
  });
});

describeGolden('the golden TinyBERT classifier (reference logits computed with ReLU)', () => {
  /** The golden student with its config's fit_size replaced by an explicit classifier_relu. */
  function goldenStudent(relu: boolean): string {
    const dir = join(tmp, `golden-relu-${relu}`);
    cpSync(join(GOLDEN, 'tinybert_student'), dir, { recursive: true });
    const { fit_size: _fit, ...config } = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, classifier_relu: relu }));
    return dir;
  }

  function goldenLogits(dir: string): { logits: Float32Array; ref: TensorJson } {
    const { model } = loadModelDir(dir);
    try {
      const rec = forwardRecord(model, readBatchJson(join(GOLDEN, 'batch.json')));
      return { logits: Float32Array.from(rec.logits!.data), ref: golden<{ logits: TensorJson }>('student_outputs.json').logits };
    } finally {
      model.dispose();
    }
  }

  it('classifier_relu: true reproduces the reference logits to 1e-5; false does not', () => {
    const withRelu = goldenLogits(goldenStudent(true));
    expectClose(withRelu.logits, withRelu.ref.data, { what: 'golden logits with classifier_relu: true' });
    const without = goldenLogits(goldenStudent(false));
    const worst = Math.max(...without.logits.map((v, i) => Math.abs(v - without.ref.data[i]!)));
    expect(worst).toBeGreaterThan(1e-3);
  });

  it('an export of the golden student keeps the reference logits and warns about Hugging Face', async () => {
    const out = join(tmp, 'golden-relu-export');
    const r = await exportModel(goldenStudent(true), { out, format: 'pytorch' });
    expect(r.warnings).toHaveLength(1);
    const back = goldenLogits(out);
    expectClose(back.logits, back.ref.data, { what: 'golden logits after export' });
  });
});
