import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { exportModel, resolveExportSource } from '../../src/checkpoint/export.js';
import { loadModelDir } from '../../src/checkpoint/model-dir.js';
import { forwardRecord, readBatchJson } from '../../src/model/batch-json.js';
import { expectClose } from '../helpers/close.js';
import { describeGolden, golden, GOLDEN, type TensorJson } from '../helpers/shared.js';
import { tinyLogits, tinyModel, writeTrainingCheckpoint, writeVocab } from './tiny.js';

let tmp: string;
let checkpoint: string;
let reference: Float32Array;

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  tmp = mkdtempSync(join(tmpdir(), 'tinybert-export-'));
  const vocab = writeVocab(join(tmp, 'vocab'));
  const model = tinyModel();
  checkpoint = join(tmp, 'run', 'task-prediction', 'checkpoint');
  await writeTrainingCheckpoint(model, checkpoint, vocab);
  reference = tinyLogits(model);
  model.dispose();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function reload(dir: string): { logits: Float32Array; extras: number } {
  const { model, extras } = loadModelDir(dir);
  try {
    return { logits: tinyLogits(model), extras: extras.size };
  } finally {
    model.dispose();
  }
}

describe('export round trip from a training checkpoint', () => {
  it('the checkpoint itself carries training-only tensors', () => {
    expect(loadModelDir(checkpoint).extras.size).toBe(2);
  });

  for (const format of ['safetensors', 'tfjs', 'pytorch'] as const) {
    it(`${format} float32: logits equal the checkpoint's exactly, extras and optimizer state absent`, async () => {
      const out = join(tmp, `export-${format}`);
      const r = await exportModel(checkpoint, { out, format });
      expect(r.droppedTensors.sort()).toEqual(['fit_dense.bias', 'fit_dense.weight']);
      expect(r.files).not.toContain('optimizer.safetensors');
      expect(r.files).not.toContain('trainer.json');
      expect(r.files).toEqual(expect.arrayContaining(['config.json', 'vocab.txt', 'tokenizer_config.json']));
      if (format === 'tfjs') expect(r.files.some((f) => /^group1-shard1of\d+\.bin$/.test(f))).toBe(true);
      const back = reload(out);
      expect(back.extras).toBe(0);
      expect(Array.from(back.logits)).toEqual(Array.from(reference));
    });
  }

  for (const format of ['safetensors', 'tfjs'] as const) {
    it(`${format} float16: logits within 1e-2, weights stored at half size`, async () => {
      const out = join(tmp, `export-${format}-f16`);
      await exportModel(checkpoint, { out, format, dtype: 'float16' });
      const back = reload(out);
      expect(back.extras).toBe(0);
      expectClose(back.logits, reference, { atol: 1e-2, what: `${format} float16 logits` });
      if (format === 'safetensors') {
        const header = readFileSync(join(out, 'model.safetensors')).subarray(8, 200).toString('latin1');
        expect(header).toContain('"F16"');
      } else {
        const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
        expect(manifest.weightsManifest[0].weights[0].quantization).toEqual({ dtype: 'float16' });
      }
    });
  }

  it('writes a Hugging Face config: model_type, architectures, id2label / label2id', async () => {
    const out = join(tmp, 'export-hf');
    await exportModel(checkpoint, { out });
    const c = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(c.model_type).toBe('bert');
    expect(c.architectures).toEqual(['BertForSequenceClassification']);
    expect(c.id2label).toEqual({ '0': 'negative', '1': 'positive' });
    expect(c.label2id).toEqual({ negative: 0, positive: 1 });
    const tok = JSON.parse(readFileSync(join(out, 'tokenizer_config.json'), 'utf8'));
    expect(tok.tokenizer_class).toBe('BertTokenizer');
  });

  it('exports the student slot of a run directory (run.json)', async () => {
    const run = join(tmp, 'run');
    writeFileSync(join(run, 'run.json'), JSON.stringify({ slots: { teacher: '/nowhere', student: checkpoint }, student: 'student' }));
    expect(resolveExportSource(run)).toEqual({ modelDir: checkpoint, kind: 'run', slot: 'student' });
    const out = join(tmp, 'export-run');
    await exportModel(run, { out, format: 'tfjs' });
    expect(Array.from(reload(out).logits)).toEqual(Array.from(reference));
  });
});

describe('export rejects a bad SOURCE with a message', () => {
  const reject = (source: () => string, message: RegExp) => async () => {
    await expect(exportModel(source(), { out: join(tmp, 'never') })).rejects.toThrow(message);
    expect(existsSync(join(tmp, 'never'))).toBe(false);
  };

  it('missing path', reject(() => join(tmp, 'missing'), /missing: not found \(expected a model directory or a run directory\)/));
  it('a file', reject(() => join(checkpoint, 'config.json'), /config\.json: is a file; expected a model directory/));
  it('an empty directory', reject(() => {
    const d = join(tmp, 'empty');
    mkdirSync(d, { recursive: true });
    return d;
  }, /empty: neither a model directory \(no config\.json \/ bert_config\.json\) nor a run directory \(no run\.json\); found: empty/));
  it('a config without weights', reject(() => {
    const d = join(tmp, 'config-only');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'config.json'), '{}');
    return d;
  }, /config-only: neither a model directory \(no weights \(model\.safetensors, pytorch_model\.bin, model\.json, onnx\/model\.onnx\)\)/));
  it('a run.json whose student slot is not listed', reject(() => {
    const d = join(tmp, 'bad-run');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'run.json'), JSON.stringify({ slots: { teacher: checkpoint }, student: 'student' }));
    return d;
  }, /run\.json: student slot "student" is not among the slots \(teacher\)/));
  it('a run.json without slots', reject(() => {
    const d = join(tmp, 'bad-run2');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'run.json'), JSON.stringify({ student: 'student' }));
    return d;
  }, /run\.json: slots: is required \(expected record\)/));
  it('float16 with the pytorch format', async () => {
    await expect(exportModel(checkpoint, { out: join(tmp, 'never'), format: 'pytorch', dtype: 'float16' })).rejects.toThrow(
      /float16 is supported for safetensors and tfjs exports/,
    );
  });
});

describeGolden('export of the golden TinyBERT student (reference checkpoint with fit_dense)', () => {
  for (const format of ['safetensors', 'tfjs'] as const) {
    it(`${format}: reloads without fit_dense and reproduces the reference logits to 1e-5`, async () => {
      const out = join(tmp, `golden-${format}`);
      const r = await exportModel(join(GOLDEN, 'tinybert_student'), { out, format });
      expect(r.droppedTensors.sort()).toEqual(['fit_dense.bias', 'fit_dense.weight']);
      const { model, extras } = loadModelDir(out);
      try {
        expect(extras.size).toBe(0);
        const rec = forwardRecord(model, readBatchJson(join(GOLDEN, 'batch.json')));
        const ref = golden<{ logits: TensorJson }>('student_outputs.json').logits;
        expect(rec.logits!.shape).toEqual(ref.shape);
        expectClose(rec.logits!.data, ref.data, { what: 'golden student logits after export' });
      } finally {
        model.dispose();
      }
    });
  }
});
