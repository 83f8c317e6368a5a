import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelDir, saveModelDir, vocabPath } from '../../src/checkpoint/model-dir.js';
import { readSafetensors, writeSafetensors } from '../../src/checkpoint/safetensors.js';
import { CheckpointError, DataError } from '../../src/errors.js';
import { parseModelConfig, toHfConfig } from '../../src/model/config.js';
import { createModel } from '../../src/model/init.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'tb-modeldir-'));
const nezha = parseModelConfig({
  model_type: 'nezha', vocab_size: 30, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2,
  intermediate_size: 32, max_relative_position: 4, num_labels: 3,
});
const bert = parseModelConfig({ vocab_size: 30, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, num_labels: 2 });

describe('model directories', () => {
  for (const format of ['safetensors', 'pytorch', 'tfjs'] as const) {
    for (const config of [nezha, bert]) {
      it(`${config.modelType} save -> load through ${format} is bit-exact`, async () => {
        const dir = join(tmp(), 'model');
        const m = createModel(config, 11);
        await saveModelDir(m, dir, { format });
        const { model, report } = loadModelDir(dir);
        expect(report.missing).toEqual([]);
        expect(report.unexpected).toEqual([]);
        expect(model.config).toEqual(m.config);
        for (const [name, v] of m.params) expect(Array.from(model.params.get(name)!.dataSync()), name).toEqual(Array.from(v.dataSync()));
        m.dispose();
        model.dispose();
      });
    }
  }

  it('saves Hugging Face names and config for NEZHA (nezha. prefix, model_type, architectures, labels)', async () => {
    const dir = join(tmp(), 'hf');
    const m = createModel(nezha, 1);
    await saveModelDir(m, dir);
    m.dispose();
    const { tensors } = readSafetensors(join(dir, 'model.safetensors'));
    expect([...tensors.keys()].some((k) => k.startsWith('nezha.encoder.layer.0.'))).toBe(true);
    expect([...tensors.keys()].some((k) => k.startsWith('bert.'))).toBe(false);
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(cfg.model_type).toBe('nezha');
    expect(cfg.architectures).toEqual(['NezhaForSequenceClassification']);
    expect(cfg.id2label).toEqual({ 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' });
  });

  it('a shape-mismatched checkpoint fails naming the file and the tensor', async () => {
    const dir = join(tmp(), 'm');
    const m = createModel(bert, 1);
    await saveModelDir(m, dir);
    m.dispose();
    const other = { ...toHfConfig(bert), hidden_size: 32, intermediate_size: 64 };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(other));
    expect(() => loadModelDir(dir)).toThrow(CheckpointError);
    expect(() => loadModelDir(dir)).toThrow(/model\.safetensors: weights do not match the config: .*shape-mismatched \(bert\.embeddings\.word_embeddings\.weight \[30,16\] ≠ config \[30,32\]/);
  });

  it('missing and unexpected tensors are both reported', async () => {
    const dir = join(tmp(), 'm');
    const m = createModel(bert, 1);
    await saveModelDir(m, dir);
    m.dispose();
    const path = join(dir, 'model.safetensors');
    const { tensors } = readSafetensors(path);
    tensors.delete('bert.pooler.dense.bias');
    tensors.set('bert.encoder.layer.7.output.dense.weight', { shape: [1], data: new Float32Array(1), dtype: 'F32' });
    writeSafetensors(path, tensors);
    expect(() => loadModelDir(dir)).toThrow(/1 missing \(bert\.pooler\.dense\.bias\); 1 unexpected \(bert\.encoder\.layer\.7\.output\.dense\.weight\)/);
  });

  it('a fresh head may be allowed missing and is initialised', async () => {
    const dir = join(tmp(), 'm');
    const m = createModel(parseModelConfig({ ...toHfConfig(bert), head: 'none', num_labels: undefined, id2label: undefined, label2id: undefined, architectures: undefined }), 1);
    await saveModelDir(m, dir);
    m.dispose();
    const { model, report } = loadModelDir(dir, { head: { head: 'classification', numLabels: 4, labels: ['a', 'b', 'c', 'd'] }, allowMissing: (n) => n.startsWith('classifier.') });
    expect(report.initialised.sort()).toEqual(['classifier.bias', 'classifier.weight']);
    expect(model.params.get('classifier.weight')!.shape).toEqual([4, 16]);
    model.dispose();
  });

  it('errors for a missing directory, config, weights and vocab name the path', async () => {
    const dir = tmp();
    expect(() => loadModelDir(join(dir, 'nowhere'))).toThrow(/nowhere: model directory not found/);
    expect(() => loadModelDir(dir)).toThrow(/no model config \(expected config\.json or bert_config\.json\)/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(toHfConfig(bert)));
    expect(() => loadModelDir(dir)).toThrow(/no weights file \(expected model\.safetensors, pytorch_model\.bin, model\.json, onnx\/model\.onnx\)/);
    expect(() => vocabPath(dir)).toThrow(DataError);
    expect(() => vocabPath(dir)).toThrow(/no vocab\.txt/);
  });

  it('a truncated weights file is a one-line CheckpointError', async () => {
    const dir = join(tmp(), 'm');
    const m = createModel(bert, 1);
    await saveModelDir(m, dir, { format: 'pytorch' });
    m.dispose();
    const path = join(dir, 'pytorch_model.bin');
    writeFileSync(path, readFileSync(path).subarray(0, 5000));
    let message = '';
    try {
      loadModelDir(dir);
    } catch (e) {
      expect(e).toBeInstanceOf(CheckpointError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/pytorch_model\.bin/);
    expect(message).not.toContain('\n');
  });

  it('copies vocab.txt and writes tokenizer_config.json', async () => {
    const dir = tmp();
    const vocab = join(dir, 'v.txt');
    writeFileSync(vocab, '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n');
    const m = createModel(bert, 1);
    await saveModelDir(m, join(dir, 'out'), { vocab });
    m.dispose();
    expect(readFileSync(join(dir, 'out', 'vocab.txt'), 'utf8')).toBe(readFileSync(vocab, 'utf8'));
    expect(JSON.parse(readFileSync(join(dir, 'out', 'tokenizer_config.json'), 'utf8')).do_lower_case).toBe(true);
  });
});
