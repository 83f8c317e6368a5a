import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModelConfig, readModelConfig, toHfConfig } from '../../src/model/config.js';
import { ConfigError } from '../../src/errors.js';

const base = {
  vocab_size: 100, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64,
};

describe('model config', () => {
  it('accepts NEZHA bert_config.json keys and reads relative positions', () => {
    const c = parseModelConfig({ ...base, use_relative_position: true, max_relative_position: 8 });
    expect(c.modelType).toBe('nezha');
    expect(c.relativePositions).toBe(true);
    expect(c.headSize).toBe(8);
    expect(c.head).toBe('none');
  });

  it('accepts a Hugging Face config with bookkeeping keys and reads the head and labels', () => {
    const c = parseModelConfig({
      ...base, model_type: 'nezha', architectures: ['NezhaForSequenceClassification'], transformers_version: '4.30.0',
      id2label: { 0: 'neg', 1: 'pos' }, label2id: { neg: 0, pos: 1 }, torch_dtype: 'float32',
    });
    expect(c.head).toBe('classification');
    expect(c.labels).toEqual(['neg', 'pos']);
    expect(c.relativePositions).toBe(true);
  });

  it('TinyBERT reference configs (fit_size) get the ReLU classifier, others do not', () => {
    expect(parseModelConfig({ ...base, num_labels: 3, fit_size: 64 }).classifierRelu).toBe(true);
    expect(parseModelConfig({ ...base, num_labels: 3 }).classifierRelu).toBe(false);
    expect(parseModelConfig({ ...base, num_labels: 3, fit_size: 64, classifier_relu: false }).classifierRelu).toBe(false);
  });

  it('round-trips through the Hugging Face form', () => {
    const c = parseModelConfig({ ...base, model_type: 'nezha', max_relative_position: 8, num_labels: 2 });
    expect(parseModelConfig(toHfConfig(c))).toEqual(c);
  });

  const rejects: [string, Record<string, unknown>, RegExp][] = [
    ['hidden size not divisible by heads', { ...base, num_attention_heads: 5 }, /config\.json: num_attention_heads: hidden_size 32 is not divisible by num_attention_heads 5/],
    ['unknown activation', { ...base, hidden_act: 'swish' }, /config\.json: hidden_act: unknown activation "swish"/],
    ['unknown key', { ...base, hidden_sise: 32 }, /hidden_sise/],
    ['negative size', { ...base, hidden_size: -1 }, /config\.json: hidden_size: expected > 0, saw number -1/],
    ['relative positions with model_type bert', { ...base, model_type: 'bert', use_relative_position: true }, /config\.json: use_relative_position: /],
    ['labels disagreeing with num_labels', { ...base, num_labels: 3, id2label: { 0: 'a', 1: 'b' } }, /config\.json: num_labels: num_labels 3 disagrees with id2label \(2 labels\)/],
    ['missing vocab_size', { hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64 }, /config\.json: vocab_size: is required \(expected number\)/],
  ];
  for (const [what, raw, message] of rejects) {
    it(`rejects ${what}, naming the file and the field`, () => {
      expect(() => parseModelConfig(raw, 'my/config.json')).toThrow(ConfigError);
      expect(() => parseModelConfig(raw, 'my/config.json')).toThrow(/^my\/config\.json: /);
      expect(() => parseModelConfig(raw, 'my/config.json')).toThrow(message);
    });
  }

  it('rejects a missing file and invalid JSON with one-line messages naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tb-config-'));
    expect(() => readModelConfig(join(dir, 'nope.json'))).toThrow(/nope\.json: cannot read model config \(ENOENT\)/);
    writeFileSync(join(dir, 'bad.json'), '{"hidden_size": 32,,}');
    expect(() => readModelConfig(join(dir, 'bad.json'))).toThrow(/bad\.json: not valid JSON/);
  });
});
