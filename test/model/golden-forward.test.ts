/**
 * The encoders against the original PyTorch NEZHA / TinyBERT outputs (../shared/golden), loaded from
 * every checkpoint format, on every backend: hidden states, attention scores (masked entries to 1e-6
 * relative), pooled output and logits to 1e-5 absolute; the relative-position tables; the MLM head.
 */
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { loadModelDir } from '../../src/checkpoint/model-dir.js';
import { forwardRecord, readBatchJson } from '../../src/model/batch-json.js';
import { relativeEmbeddings, relativePositionIndex, relativePositionTable } from '../../src/model/attention.js';
import { availableBackends, useBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/close.js';
import { describeGolden, golden, GOLDEN, type TensorJson } from '../helpers/shared.js';

const CASES = [
  { name: 'NEZHA teacher, pytorch_model.bin', dir: 'nezha_teacher', weights: 'pytorch_model.bin', expected: 'teacher_outputs.json' },
  { name: 'NEZHA teacher, model.safetensors', dir: 'nezha_teacher', weights: 'model.safetensors', expected: 'teacher_outputs.json' },
  { name: 'NEZHA teacher, Hugging Face names', dir: 'nezha_teacher/hf', weights: 'model.safetensors', expected: 'teacher_outputs.json' },
  { name: 'TinyBERT student, pytorch_model.bin', dir: 'tinybert_student', weights: 'pytorch_model.bin', expected: 'student_outputs.json' },
  { name: 'TinyBERT student, model.safetensors', dir: 'tinybert_student', weights: 'model.safetensors', expected: 'student_outputs.json' },
];

describeGolden('golden forward parity', () => {
  let backends: string[] = [];
  beforeAll(async () => {
    backends = await availableBackends();
  });

  for (const c of CASES) {
    it(`${c.name}: every output matches the reference on every backend`, async () => {
      const expected = golden<Record<string, TensorJson>>(c.expected);
      const batch = readBatchJson(join(GOLDEN, 'batch.json'));
      for (const backend of backends) {
        await useBackend(backend);
        const { model, report } = loadModelDir(join(GOLDEN, c.dir), { weights: c.weights });
        const before = tf.memory().numTensors;
        const rec = forwardRecord(model, batch);
        expect(tf.memory().numTensors, 'forward leaks no tensors').toBe(before);
        model.dispose();
        expect(report.missing).toEqual([]);
        for (const key of Object.keys(expected).filter((k) => !k.startsWith('fit_dense'))) {
          expect(rec[key], `${key} present`).toBeDefined();
          expect(rec[key].shape).toEqual(expected[key].shape);
          expectClose(rec[key].data, expected[key].data, { atol: 1e-5, maskedBelow: -100, maskedRtol: 1e-6, what: `${backend} ${key}` });
        }
      }
    });
  }

  it('the HF directory reports its relative-position buffers as ignored, not unexpected', () => {
    const { model, report } = loadModelDir(join(GOLDEN, 'nezha_teacher/hf'));
    model.dispose();
    expect(report.unexpected).toEqual([]);
    expect(report.ignored.filter((i) => i.name.endsWith('positions_encoding')).length).toBe(4);
  });

  it('the student checkpoint keeps fit_dense aside as a training-only tensor', () => {
    const { model, extras } = loadModelDir(join(GOLDEN, 'tinybert_student'));
    model.dispose();
    expect([...extras.keys()].sort()).toEqual(['fit_dense.bias', 'fit_dense.weight']);
  });

  it('relative-position tables match NEZHA-PyTorch (float64 then float32)', () => {
    const g = golden<Record<string, Record<string, TensorJson | number>>>('relative_positions.json');
    for (const size of ['small', 'large'] as const) {
      const s = g[size];
      const table = relativePositionTable(s.depth as number, s.max_relative_position as number);
      expectClose(table, (s.table as TensorJson).data, { atol: 1e-6, what: `${size} table` });
    }
    const small = g.small;
    const idx = relativePositionIndex(small.length as number, small.max_relative_position as number);
    expect(Array.from(idx)).toEqual((small.index_matrix as TensorJson).data);
    const emb = relativeEmbeddings(small.length as number, small.depth as number, small.max_relative_position as number);
    expectClose(emb, (small.embeddings as TensorJson).data, { atol: 1e-6, what: 'small embeddings' });
  });

  it('the MLM head (tied decoder) reproduces top-10 logits, full logits, NSP logits and the loss', async () => {
    const g = golden<{
      masked_input_ids: number[][]; token_type_ids: number[][]; attention_mask: number[][];
      top10: { position: [number, number]; ids: number[]; logits: number[] }[];
      full_logits: { position: [number, number]; logits: number[] }[] | Record<string, TensorJson>;
      seq_relationship_logits: TensorJson; masked_lm_loss: number; masked_positions: [number, number][]; original_ids: number[];
    }>('nezha_mlm/mlm_outputs.json');
    for (const weights of ['pytorch_model.bin', 'model.safetensors']) {
      const { model } = loadModelDir(join(GOLDEN, 'nezha_mlm'), { weights });
      expect(model.config.head).toBe('pretraining');
      const out = model.forward({
        inputIds: tf.tensor2d(g.masked_input_ids, undefined, 'int32'),
        tokenTypeIds: tf.tensor2d(g.token_type_ids, undefined, 'int32'),
        attentionMask: tf.tensor2d(g.attention_mask, undefined, 'int32'),
      });
      const logits = out.logits!.arraySync() as number[][][];
      for (const t of g.top10) {
        const row = logits[t.position[0]][t.position[1]];
        expectClose(t.ids.map((i) => row[i]), t.logits, { atol: 1e-5, what: `${weights} top10 ${t.position}` });
        const order = row.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]).slice(0, 10).map((x) => x[1]);
        expect(order).toEqual(t.ids);
      }
      const full = Array.isArray(g.full_logits) ? g.full_logits : Object.entries(g.full_logits).map(([k, v]) => ({ position: k.split(',').map(Number) as [number, number], logits: (v as TensorJson).data }));
      for (const f of full) expectClose(logits[f.position[0]][f.position[1]], f.logits, { atol: 1e-5, what: `full logits ${f.position}` });
      expectClose(out.seqRelationshipLogits!.dataSync(), g.seq_relationship_logits.data, { atol: 1e-5, what: 'NSP logits' });
      const loss = g.masked_positions.reduce((s, [b, t], i) => {
        const row = logits[b][t];
        const max = Math.max(...row);
        const lse = max + Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0));
        return s + (lse - row[g.original_ids[i]]);
      }, 0) / g.masked_positions.length;
      expect(Math.abs(loss - g.masked_lm_loss)).toBeLessThan(1e-5);
      tf.dispose(out as never);
      model.dispose();
    }
  });
});
