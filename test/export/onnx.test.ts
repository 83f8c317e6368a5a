/**
 * `export --format onnx`: a plain onnxruntime-node session on onnx/model.onnx gives our eval-mode
 * forward (1e-4 abs on logits) for every head, BERT and NEZHA positions, at two batch sizes and two
 * sequence lengths from one file (dynamic axes); onnx/model_quantized.onnx stays close; the graph
 * holds only standard opset-14 ops; heads and dtypes ONNX export does not cover are refused.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { exportModel } from '../../src/checkpoint/export.js';
import { saveModelDir } from '../../src/checkpoint/model-dir.js';
import { decodeModel, quantizeColumns } from '../../src/checkpoint/onnx/index.js';
import { expectClose } from '../helpers/close.js';
import { expectUserError, tinybert } from '../helpers/cli.js';
import { exportCase, idBatch, ONNX_CASES, ourLogits, type ExportedCase, type IdBatch, type OnnxCase } from './onnx-models.js';
import { TINY_CONFIG, tinyModel, writeVocab } from './tiny.js';

let tmp: string;
const exported = new Map<string, ExportedCase>();

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  tmp = mkdtempSync(join(tmpdir(), 'tinybert-onnx-'));
  for (const c of ONNX_CASES) exported.set(c.name, await exportCase(tmp, c));
});
afterAll(() => {
  for (const e of exported.values()) e.model.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

/** The session's head output on `batch`, flat, in our layout ([B, T, 2] for span). */
async function runOnnx(file: string, head: OnnxCase['head'], batch: IdBatch): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(file);
  try {
    const t = (v: number[]) => new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), [batch.B, batch.T]);
    const out = await session.run({ input_ids: t(batch.inputIds), attention_mask: t(batch.attentionMask), token_type_ids: t(batch.tokenTypeIds) });
    if (head !== 'span') return out.logits!.data as Float32Array;
    const start = out.start_logits!.data as Float32Array;
    const end = out.end_logits!.data as Float32Array;
    expect(out.start_logits!.dims).toEqual([batch.B, batch.T]);
    return Float32Array.from({ length: 2 * start.length }, (_, i) => (i % 2 ? end : start)[i >> 1]!);
  } finally {
    await session.release();
  }
}

const SHAPES: [B: number, T: number][] = [[1, 5], [3, 12]];

describe('onnxruntime-node runs the exported graph as our forward does', () => {
  for (const c of ONNX_CASES) {
    it(`${c.name}: model.onnx equals our logits within 1e-4 at batch 1 × 5 tokens and 3 × 12 (dynamic axes)`, async () => {
      const e = exported.get(c.name)!;
      for (const [B, T] of SHAPES) {
        const batch = idBatch(B, T);
        expectClose(await runOnnx(join(e.out, 'onnx/model.onnx'), c.head, batch), ourLogits(e.model, batch), { atol: 1e-4, what: `${c.name} [${B}, ${T}]` });
      }
    });
  }

  it('int8 model_quantized.onnx: logits within 20% of the float32 logit range for every head (max errors printed; a wrong scale or zero point is off by the whole range)', async () => {
    const rows: { name: string; maxError: number; range: number }[] = [];
    for (const c of ONNX_CASES) {
      const e = exported.get(c.name)!;
      const batch = idBatch(3, 12);
      const want = ourLogits(e.model, batch);
      const got = await runOnnx(join(e.out, 'onnx/model_quantized.onnx'), c.head, batch);
      const range = Math.max(...want) - Math.min(...want);
      rows.push({ name: c.name, maxError: Math.max(...want.map((w, i) => Math.abs(w - got[i]!))), range });
    }
    process.stderr.write(`int8 max |logit error|: ${rows.map((r) => `${r.name} ${r.maxError.toFixed(4)} of ${r.range.toFixed(2)}`).join('; ')}\n`);
    for (const r of rows) expect(r.maxError, r.name).toBeLessThan(0.2 * r.range);
  });

  it('a TinyBERT classifier (classifier_relu) exports without the Hugging Face warning: the graph carries the ReLU', () => {
    const e = exported.get('nezha classification')!;
    expect(e.model.config.classifierRelu).toBe(true);
    expect(e.warnings).toEqual([]);
    const ops = decodeModel(readFileSync(join(e.out, 'onnx/model.onnx'))).graph.node.map((n) => n.op_type);
    expect(ops).toContain('Relu');
  });
});

describe('the exported folder and graph', () => {
  it('holds what transformers.js loads, config.json with model_type bert for NEZHA too, and no tinybert weights', () => {
    const e = exported.get('nezha span')!;
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', 'onnx/model.onnx', 'onnx/model_quantized.onnx']) {
      expect(existsSync(join(e.out, f)), f).toBe(true);
    }
    expect(existsSync(join(e.out, 'model.safetensors'))).toBe(false);
    const config = JSON.parse(readFileSync(join(e.out, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ model_type: 'bert', architectures: ['BertForQuestionAnswering'] });
    // The positions are in the graph; the keys below are for tinybert reading the folder back (onnx-read.test.ts).
    expect(config).toMatchObject({ use_relative_position: true, max_relative_position: 3 });
    const cls = JSON.parse(readFileSync(join(exported.get('bert classification')!.out, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(cls).toMatchObject({ id2label: { 0: 'negative', 1: 'neutral', 2: 'positive' }, label2id: { negative: 0, neutral: 1, positive: 2 } });
  });

  it('uses only standard ops at opset 14 (no contrib domain), int64 inputs with dynamic batch_size / sequence_length', () => {
    for (const file of ['onnx/model.onnx', 'onnx/model_quantized.onnx']) {
      const m = decodeModel(readFileSync(join(exported.get('nezha classification')!.out, file)));
      expect(m.opset_import).toEqual([{ domain: '', version: 14 }]);
      expect(m.graph.node.every((n) => !n.domain)).toBe(true);
      expect(m.graph.input.map((i) => i.name)).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
      for (const input of m.graph.input) {
        expect(input.type.tensor_type.elem_type).toBe(7);
        expect(input.type.tensor_type.shape.dim).toEqual([{ dim_param: 'batch_size' }, { dim_param: 'sequence_length' }]);
      }
      const ops = new Set(m.graph.node.map((n) => n.op_type));
      expect(ops.has('Erf'), 'exact GELU').toBe(true);
      expect(ops.has('MatMulInteger'), file).toBe(file.includes('quantized'));
    }
  });

  it('quantizes a column to uint8 around 128 with one scale per output column', () => {
    const w = Float32Array.of(0.5, -1, 0.25, 2, 0, -0.5); // W [O=2, I=3]
    const { q, scale } = quantizeColumns(w, 2, 3);
    expect(Array.from(scale)).toEqual([1 / 127, 2 / 127].map(Math.fround));
    expect(Array.from(q)).toEqual([128 + 64, 128 + 127, 128 - 127, 128, 128 + 32, 128 - 32]); // Wᵀ [I, O]
  });
});

/** A masked-LM model directory (no task head). */
async function mlmSource(): Promise<string> {
  const dir = join(tmp, 'mlm');
  if (existsSync(dir)) return dir;
  const model = tinyModel({ ...TINY_CONFIG, architectures: ['BertForMaskedLM'], id2label: undefined });
  await saveModelDir(model, dir, { vocab: writeVocab(join(tmp, 'vocab')) });
  model.dispose();
  return dir;
}

describe('refusals', () => {
  it('refuses a masked-LM model with one line naming the head and the heads ONNX export covers', async () => {
    await mlmSource();
    await expect(exportModel(join(tmp, 'mlm'), { out: join(tmp, 'onnx-mlm'), format: 'onnx' })).rejects.toThrow(
      /has head "mlm"; ONNX export covers the task heads classification, token-classification, span/,
    );
    expect(existsSync(join(tmp, 'onnx-mlm'))).toBe(false);
  });

  it('refuses --dtype float16 for onnx, saying which dtypes the folder holds', async () => {
    const e = exported.get('bert classification')!;
    await expect(exportModel(e.source, { out: join(tmp, 'onnx-f16'), format: 'onnx', dtype: 'float16' })).rejects.toThrow(
      /--dtype float16 is not offered for onnx exports: .*float32.*int8/,
    );
  });

  it('tinybert export --format onnx through the CLI: lists the files; a masked-LM source is one error line', async () => {
    const mlm = await mlmSource();
    const e = exported.get('bert token-classification')!;
    const ok = tinybert('export', e.source, '--out', join(tmp, 'cli-onnx'), '--format', 'onnx');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/\(onnx, float32, .*parameters\)/);
    expect(existsSync(join(tmp, 'cli-onnx', 'onnx', 'model_quantized.onnx'))).toBe(true);
    expectUserError(tinybert('export', mlm, '--out', join(tmp, 'cli-onnx-mlm'), '--format', 'onnx'), /has head "mlm"/);
  });
});
