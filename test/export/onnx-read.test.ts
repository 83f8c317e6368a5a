/**
 * tinybert reads its own `export --format onnx` folder back as a model directory: the float32
 * graph's initializers under our names, the config from config.json's tinybert-only keys (or, in
 * an export written before them, from the graph). The loaded model's forward equals the original's;
 * `tinybert predict` on the folder prints what it prints on the source; files that do not belong
 * to one export are refused in one line.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { exportModel, resolveExportSource } from '../../src/checkpoint/export.js';
import { loadModelDir, readDirConfig } from '../../src/checkpoint/model-dir.js';
import { decodeModel, encodeModel } from '../../src/checkpoint/onnx/index.js';
import { toHfConfig } from '../../src/model/config.js';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { expectUserError, tinybert } from '../helpers/cli.js';
import { expectClose } from '../helpers/close.js';
import { exportCase, idBatch, ONNX_CASES, ourLogits, type ExportedCase, type OnnxHead } from './onnx-models.js';

let tmp: string;
const exported = new Map<string, ExportedCase>();
const caseOf = (head: OnnxHead, positions: 'bert' | 'nezha') => exported.get(`${positions} ${head}`)!;

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  tmp = mkdtempSync(join(tmpdir(), 'tinybert-onnx-read-'));
  for (const c of ONNX_CASES) exported.set(c.name, await exportCase(tmp, c));
});
afterAll(() => {
  for (const e of exported.values()) e.model.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

/** A copy of an export whose config.json (and optionally graph) a test rewrites. */
async function copyOf(e: ExportedCase, name: string): Promise<string> {
  const out = join(tmp, name);
  await exportModel(e.source, { out, format: 'onnx' });
  return out;
}

function editConfig(dir: string, edit: (c: Record<string, unknown>) => Record<string, unknown>): void {
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(edit(JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>)));
}

describe('loadModelDir on an ONNX export folder', () => {
  for (const c of ONNX_CASES) {
    it(`${c.name}: forward of the folder read back equals the original model's within 1e-6`, () => {
      const e = exported.get(c.name)!;
      const loaded = loadModelDir(e.out);
      try {
        const want = e.model.config;
        const got = loaded.model.config;
        expect(loaded.report.format).toBe('onnx');
        expect(loaded.report.weightsFile).toBe(join(e.out, 'onnx', 'model.onnx'));
        expect([got.modelType, got.relativePositions, got.maxRelativePosition, got.head, got.labels, got.classifierRelu])
          .toEqual([want.modelType, want.relativePositions, want.relativePositions ? want.maxRelativePosition : got.maxRelativePosition, want.head, want.labels, want.classifierRelu]);
        // A token or span graph never reads the pooler, so the export has none: initialised, not missing.
        expect(loaded.report.initialised).toEqual(c.head === 'classification' ? [] : ['bert.pooler.dense.weight', 'bert.pooler.dense.bias']);
        for (const [B, T] of [[1, 5], [3, 12]] as const) {
          const batch = idBatch(B, T);
          expectClose(ourLogits(loaded.model, batch), ourLogits(e.model, batch), { atol: 1e-6, what: `${c.name} [${B}, ${T}]` });
        }
        for (const [name, v] of e.model.params) {
          if (c.head === 'classification' || !name.startsWith('bert.pooler.')) expectClose(loaded.model.params.get(name)!.dataSync(), v.dataSync(), { atol: 0, what: name });
        }
      } finally {
        loaded.model.dispose();
      }
    });
  }

  it('readDirConfig (what preflight reads) gives the NEZHA config although config.json says model_type "bert"', () => {
    const e = caseOf('classification', 'nezha');
    expect(JSON.parse(readFileSync(join(e.out, 'config.json'), 'utf8'))).toMatchObject({ model_type: 'bert', use_relative_position: true, max_relative_position: 3, classifier_relu: true });
    const c = readDirConfig(e.out);
    expect([c.modelType, c.relativePositions, c.maxRelativePosition, c.classifierRelu]).toEqual(['nezha', true, 3, true]);
  });

  it('an export written before the tinybert-only keys: NEZHA positions are read from the graph (its relative-position table)', async () => {
    const e = caseOf('classification', 'nezha');
    const old = await copyOf(e, 'old-nezha');
    // What config.json held before: the BERT config, classifier_relu only when true.
    editConfig(old, () => toHfConfig({ ...e.model.config, modelType: 'bert', relativePositions: false }));
    expect(readFileSync(join(old, 'config.json'), 'utf8')).not.toContain('relative');
    const c = readDirConfig(old);
    expect([c.modelType, c.relativePositions, c.maxRelativePosition, c.classifierRelu]).toEqual(['nezha', true, 3, true]);
    const loaded = loadModelDir(old);
    try {
      const batch = idBatch(3, 12);
      expectClose(ourLogits(loaded.model, batch), ourLogits(e.model, batch), { atol: 1e-6, what: 'old nezha export' });
    } finally {
      loaded.model.dispose();
    }
  });

  it('refuses a config.json whose positions disagree with the graph', async () => {
    const dir = await copyOf(caseOf('classification', 'nezha'), 'disagree-positions');
    editConfig(dir, (c) => ({ ...c, use_relative_position: false }));
    expect(() => loadModelDir(dir)).toThrow(/config\.json: says absolute positions but .*model\.onnx computes relative positions clipped at 3; the files are not from one export/);
    editConfig(dir, (c) => ({ ...c, use_relative_position: true, max_relative_position: 5 }));
    expect(() => loadModelDir(dir)).toThrow(/says relative positions clipped at 5 but .* computes relative positions clipped at 3/);
  });

  it('refuses a config.json whose classifier_relu disagrees with the graph', async () => {
    const dir = await copyOf(caseOf('classification', 'nezha'), 'disagree-relu');
    editConfig(dir, (c) => ({ ...c, classifier_relu: false }));
    expect(() => loadModelDir(dir)).toThrow(/config\.json: says classifier_relu false but .*model\.onnx applies ReLU before the classifier/);
  });

  it('refuses an ONNX graph another tool wrote, naming its producer', async () => {
    const dir = await copyOf(caseOf('classification', 'bert'), 'foreign');
    const file = join(dir, 'onnx', 'model.onnx');
    writeFileSync(file, encodeModel({ ...decodeModel(readFileSync(file)), producer_name: 'pytorch' }));
    expect(() => loadModelDir(dir)).toThrow(/model\.onnx: written by "pytorch", not by tinybert export; tinybert reads back only its own ONNX exports/);
    writeFileSync(file, 'not protobuf');
    expect(() => loadModelDir(dir)).toThrow(/model\.onnx: not a readable ONNX model/);
  });

  it('export takes the folder as a source: --format safetensors writes the same weights back', async () => {
    const e = caseOf('span', 'nezha');
    const back = join(tmp, 'back-to-safetensors');
    await exportModel(e.out, { out: back, format: 'safetensors' });
    const loaded = loadModelDir(back);
    try {
      expect(loaded.model.config.modelType).toBe('nezha');
      const batch = idBatch(3, 12);
      expectClose(ourLogits(loaded.model, batch), ourLogits(e.model, batch), { atol: 1e-6, what: 'span via safetensors' });
    } finally {
      loaded.model.dispose();
    }
  });
});

describe('a recipe with an ONNX export folder as its teacher', () => {
  it('distils from it: preflight reads its config, the teacher loads from the graph and predicts the task', async () => {
    const e = caseOf('classification', 'nezha');
    const dir = join(tmp, 'distil-from-onnx');
    mkdirSync(dir, { recursive: true });
    const rows = ['negative\t这本书太差了', 'positive\t我喜欢这部电影', 'neutral\t还行一般', 'positive\t很好很棒'];
    writeFileSync(join(dir, 'train.tsv'), `label\ttext_a\n${rows.join('\n')}\n`);
    writeFileSync(join(dir, 'student.json'), JSON.stringify({ vocab_size: 30, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16 }));
    writeFileSync(join(dir, 'recipe.yaml'), `
name: from-onnx
seed: 1
output_dir: run
vocab: ${join(e.out, 'vocab.txt')}
tasks:
  reviews: { type: single, train: train.tsv, header: true, labels: [negative, neutral, positive], max_seq_length: 16 }
models:
  teacher: { dir: ${e.out} }
  student: { config: student.json }
stages:
  - { name: tp, kind: task-prediction, teacher: teacher, student: student, task: reviews, steps: 2, batch_size: 4 }
`);
    await distill(loadRecipe(join(dir, 'recipe.yaml')), { quiet: true });
    const student = loadModelDir(resolveExportSource(join(dir, 'run')).modelDir);
    try {
      expect(student.model.config.labels).toEqual(['negative', 'neutral', 'positive']);
    } finally {
      student.model.dispose();
    }
  });
});

describe('tinybert predict on an ONNX export folder', () => {
  for (const positions of ['bert', 'nezha'] as const) {
    it(`${positions} classifier: prints what it prints on the model directory the folder was exported from`, () => {
      const e = caseOf('classification', positions);
      const input = join(tmp, `${positions}-input.txt`);
      writeFileSync(input, '我喜欢这部电影\n这本书太差了!\n电影还行一般。\t很好\n');
      const source = tinybert('predict', e.source, '--input', input);
      const onnx = tinybert('predict', e.out, '--input', input);
      expect(source.code, source.stderr).toBe(0);
      expect(onnx.code, onnx.stderr).toBe(0);
      const rows = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l) as { label: string; probabilities: Record<string, number> });
      const [want, got] = [rows(source.stdout), rows(onnx.stdout)];
      expect(got).toHaveLength(3);
      expect(got.map((r) => r.label)).toEqual(want.map((r) => r.label));
      const probs = (rs: typeof got) => rs.flatMap((r) => Object.values(r.probabilities));
      expectClose(probs(got), probs(want), { atol: 1e-6, what: 'probabilities' });
    });
  }

  it('tinybert eval on the nezha classifier folder reports what it reports on the source', () => {
    const e = caseOf('classification', 'nezha');
    const data = join(tmp, 'eval.tsv');
    writeFileSync(data, 'label\ttext_a\nnegative\t这本书太差了\npositive\t我喜欢这部电影\nneutral\t还行一般\npositive\t很好很棒\n');
    const result = (dir: string) => {
      const r = tinybert('eval', dir, '--data', data, '--header', '--json');
      expect(r.code, r.stderr).toBe(0);
      const { dir: _, ...rest } = JSON.parse(r.stdout) as Record<string, unknown>;
      return rest;
    };
    const want = result(e.source);
    expect(want).toHaveProperty('examples', 4);
    expect(result(e.out)).toEqual(want);
  });

  it('tinybert inspect describes the folder: NEZHA positions, the ReLU classifier, weights from onnx/model.onnx', () => {
    const r = tinybert('inspect', caseOf('classification', 'nezha').out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/type\s+nezha \(relative positions, k=3\)/);
    expect(r.stdout).toMatch(/classifier classifier\(relu\(pooled\)\).*classifier_relu: true in the config/);
    expect(r.stdout).toMatch(/weights\s+model\.onnx \(onnx, /);
  });

  it('a folder with config.json but neither weights nor an ONNX graph is refused, naming onnx/model.onnx among the weights looked for', async () => {
    const dir = await copyOf(caseOf('classification', 'bert'), 'no-graph');
    rmSync(join(dir, 'onnx'), { recursive: true });
    writeFileSync(join(tmp, 'one-line.txt'), '很好\n');
    const r = tinybert('predict', dir, '--input', join(tmp, 'one-line.txt'));
    expectUserError(r, /no-graph: neither a model directory \(no weights \(model\.safetensors, pytorch_model\.bin, model\.json, onnx\/model\.onnx\)\) nor a run directory/);
  });
});
