import { describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { parseModelConfig } from '../../src/model/config.js';
import { createModel } from '../../src/model/init.js';
import { countParams, modelParams } from '../../src/model/params.js';

const config = parseModelConfig({
  vocab_size: 50, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32,
  num_labels: 3, initializer_range: 0.05,
});

describe('seeded BERT initialisation', () => {
  it('same seed gives the same weights, another seed different ones', async () => {
    const a = createModel(config, 7);
    const b = createModel(config, 7);
    const c = createModel(config, 8);
    const w = 'bert.encoder.layer.1.attention.self.query.weight';
    expect(Array.from(a.params.get(w)!.dataSync())).toEqual(Array.from(b.params.get(w)!.dataSync()));
    expect(Array.from(a.params.get(w)!.dataSync())).not.toEqual(Array.from(c.params.get(w)!.dataSync()));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('weights are truncated normal (|x| <= 2 std, std near initializer_range), biases 0, LayerNorm 1', () => {
    const m = createModel(config, 1);
    const emb = m.params.get('bert.embeddings.word_embeddings.weight')!.dataSync();
    const std = Math.sqrt(emb.reduce((s, x) => s + x * x, 0) / emb.length);
    expect(Math.max(...Array.from(emb, Math.abs))).toBeLessThanOrEqual(0.1 + 1e-6);
    expect(std).toBeGreaterThan(0.035);
    expect(std).toBeLessThan(0.05);
    expect(Array.from(m.params.get('bert.pooler.dense.bias')!.dataSync()).every((x) => x === 0)).toBe(true);
    expect(Array.from(m.params.get('bert.embeddings.LayerNorm.weight')!.dataSync()).every((x) => x === 1)).toBe(true);
    expect(m.numParams()).toBe(countParams(modelParams(config)));
    m.dispose();
  });

  it('a NEZHA config has no position embeddings; a BERT config has them', () => {
    const nezha = parseModelConfig({ vocab_size: 50, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32, model_type: 'nezha' });
    expect(modelParams(nezha).some((p) => p.name.includes('position_embeddings'))).toBe(false);
    expect(modelParams(config).some((p) => p.name.includes('position_embeddings'))).toBe(true);
  });

  it('forward in eval mode is deterministic and training-mode dropout is seeded', () => {
    const drop = parseModelConfig({ vocab_size: 50, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32, num_labels: 2, hidden_dropout_prob: 0.3 });
    const m = createModel(drop, 3);
    const ids = tf.tensor2d([[1, 5, 7, 2, 0]], undefined, 'int32');
    const mask = tf.tensor2d([[1, 1, 1, 1, 0]], undefined, 'int32');
    const run = (training: boolean, seed?: number) => tf.tidy(() => Array.from(m.forward({ inputIds: ids, attentionMask: mask }, { training, seed }).logits!.dataSync()));
    expect(run(false)).toEqual(run(false));
    expect(run(true, 5)).toEqual(run(true, 5));
    expect(run(true, 5)).not.toEqual(run(true, 6));
    expect(run(true, 5)).not.toEqual(run(false));
    m.dispose();
  });
});
