import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { loadModelDir } from '../../src/checkpoint/model-dir.js';
import { readSafetensors } from '../../src/checkpoint/safetensors.js';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { tinyRecipe } from './tiny-run.js';

describe('distill(recipe): every stage kind end to end', () => {
  it('runs, logs every term per layer, keeps memory flat, exports the student without projections', async () => {
    const { dir, recipe } = tinyRecipe({ steps: 6, accum: 2, pretrain: true });
    const counts: Record<string, number[]> = {};
    const r = await distill(loadRecipe(recipe), {
      quiet: true,
      onStep: ({ stage }) => (counts[stage] ??= []).push(tf.memory().numTensors),
    });
    expect(r.stages.map((s) => s.stage)).toEqual(['pt', 'gd', 'ft', 'ti', 'tp']);
    for (const [stage, n] of Object.entries(counts)) {
      expect(n.length, stage).toBe(6);
      // Every step ends with the same number of live tensors: nothing leaks per step.
      expect(new Set(n.slice(1)).size, `${stage} tensors per step: ${n}`).toBe(1);
    }
    const log = readFileSync(join(dir, 'run', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const gdStep = log.find((e) => e.event === 'step' && e.stage === 'gd');
    expect(Object.keys(gdStep)).toEqual(expect.arrayContaining(['loss.attention', 'loss.attention.layer0', 'loss.hidden', 'loss.hidden.state1', 'loss.embedding']));
    expect(log.some((e) => e.event === 'eval' && e.stage === 'ft' && e['dev.accuracy'] >= 0)).toBe(true);
    expect(log.find((e) => e.event === 'step' && e.stage === 'tp')).toHaveProperty('loss.prediction');
    // Masked-LM pre-training starts near ln(V) (uniform over the 245-word vocabulary).
    const pt = log.find((e) => e.event === 'step' && e.stage === 'pt');
    expect(pt['loss.hard']).toBeGreaterThan(3);
    expect(pt['loss.hard']).toBeLessThan(7);
    expect(log.some((e) => e.event === 'warning')).toBe(false);

    // General and task stages keep fit_dense in their outputs (training-only), the export does not.
    const gd = readSafetensors(join(dir, 'run', 'gd', 'final', 'model.safetensors')).tensors;
    expect(gd.has('fit_dense.weight')).toBe(true);
    expect(r.exported).toBeDefined();
    const exported = readSafetensors(join(r.exported!, 'model.safetensors')).tensors;
    expect([...exported.keys()].some((k) => k.startsWith('fit_dense'))).toBe(false);
    expect(existsSync(join(r.exported!, 'vocab.txt'))).toBe(true);

    // The exported student computes what the last stage's output computes.
    const a = loadModelDir(r.slots.student!).model;
    const b = loadModelDir(r.exported!).model;
    const ids = tf.tensor2d([[2, 10, 20, 30, 3]], undefined, 'int32');
    expect(Array.from(b.forward({ inputIds: ids }).logits!.dataSync())).toEqual(Array.from(a.forward({ inputIds: ids }).logits!.dataSync()));
    a.dispose();
    b.dispose();
    expect(r.models.map((m) => m.slot).sort()).toEqual(['student', 'teacher']);
    expect(r.models.every((m) => m.scores?.accuracy !== undefined && m.params > 0)).toBe(true);
  });

  it('refuses to overwrite an earlier run unless asked', async () => {
    const { recipe } = tinyRecipe({ steps: 1 });
    await distill(loadRecipe(recipe), { quiet: true });
    await expect(distill(loadRecipe(recipe), { quiet: true })).rejects.toThrow(/holds an earlier run; pass --resume to continue it or --overwrite/);
  });
});
