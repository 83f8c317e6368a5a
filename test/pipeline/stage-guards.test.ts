/**
 * The stage runner refuses or says what would otherwise go silently wrong (issue 9): non-finite
 * losses, teachers without a task head, trained projections dropped or re-initialised, and inputs
 * (vocab, task files, corpora) that used to fail only after earlier stages had run.
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { saveModelDir } from '../../src/checkpoint/model-dir.js';
import { readSafetensors } from '../../src/checkpoint/safetensors.js';
import type { TensorMap } from '../../src/checkpoint/tensor-map.js';
import { readModelConfig } from '../../src/model/config.js';
import { createModel } from '../../src/model/init.js';
import { distill } from '../../src/pipeline/run.js';
import { firstNonFinite } from '../../src/pipeline/loop.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { ROOT } from '../helpers/shared.js';
import { tinyRecipe } from './tiny-run.js';

const VOCAB = join(ROOT, 'recipes', 'demo', 'vocab.txt');

/** A recipe over tinyRecipe's files with the given models and stages (YAML flow lines). */
function recipeWith(models: string, stages: string[], dir = tinyRecipe().dir): { dir: string; recipe: string } {
  const text = `
name: guard
seed: 3
output_dir: run
vocab: ${VOCAB}
tasks:
  reviews: { type: single, train: data/train.tsv, dev: data/dev.tsv, header: true, labels: ["0", "1"], max_seq_length: 32 }
corpus:
  text: { path: data/corpus.txt, max_seq_length: 32 }
models:
${models}
stages:
${stages.map((s) => `  - ${s}`).join('\n')}
`;
  writeFileSync(join(dir, 'guard.yaml'), text);
  return { dir, recipe: join(dir, 'guard.yaml') };
}

const CONFIG_MODELS = '  teacher: { config: teacher.json }\n  student: { config: student.json }';

function events(dir: string, event: string): Record<string, any>[] {
  return readFileSync(join(dir, 'run', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.event === event);
}

/** A model directory from `config` (a tiny-run json): `head` none or classification, optional extras. */
async function modelDir(dir: string, name: string, config: string, head: 'none' | 'classification', extras?: (hidden: number, layers: number) => TensorMap): Promise<string> {
  const c = readModelConfig(join(dir, config));
  const model = createModel(head === 'none' ? c : { ...c, head, numLabels: 2, labels: ['0', '1'] }, 11);
  const out = join(dir, name);
  await saveModelDir(model, out, { vocab: VOCAB, extras: extras?.(c.hiddenSize, c.numLayers) });
  model.dispose();
  return out;
}

function tensor(shape: number[], value: number) {
  return { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value), dtype: 'F32' as const };
}

describe('non-finite losses and gradients', () => {
  it('firstNonFinite names the first tensor holding NaN or Inf, and nothing when all are finite', () => {
    // 3e38 + 3e38 overflows the float32 sum: huge but finite values are not a NaN.
    const ok = new Map([['a', tf.tensor1d([1, 3e38, 3e38])], ['b', tf.tensor2d([[0, 2]])]]);
    expect(firstNonFinite(ok)).toBeUndefined();
    const bad = new Map([...ok, ['c', tf.tensor1d([1, Number.POSITIVE_INFINITY])], ['d', tf.tensor1d([Number.NaN])]]);
    expect(firstNonFinite(bad)).toBe('c');
    tf.dispose([...bad.values()]);
  });

  it('a teacher with NaN weights stops task-prediction at step 1 naming the stage and the loss term; no final/ is written', async () => {
    const { dir } = tinyRecipe();
    const teacher = await modelDir(dir, 'nan-teacher', 'teacher.json', 'classification');
    const weights = join(teacher, 'model.safetensors');
    const t = readSafetensors(weights).tensors;
    t.get('classifier.bias')!.data.fill(Number.NaN);
    const { writeSafetensors } = await import('../../src/checkpoint/safetensors.js');
    writeSafetensors(weights, t);
    const { recipe } = recipeWith(`  teacher: { dir: nan-teacher }\n  student: { config: student.json }`, [
      '{ name: tp, kind: task-prediction, teacher: teacher, student: student, task: reviews, steps: 3, batch_size: 8 }',
    ], dir);
    await expect(distill(loadRecipe(recipe), { quiet: true })).rejects.toThrow(
      /^stage tp: step 1: loss term prediction is NaN; stopped before the update, no checkpoint was written/,
    );
    expect(existsSync(join(dir, 'run', 'tp', 'final'))).toBe(false);
  });

  it('lr: 1e3 stops at the first non-finite step, keeping the last good checkpoint and writing no final/', async () => {
    const { dir, recipe } = recipeWith(CONFIG_MODELS, [
      '{ name: ft, kind: finetune, train: teacher, task: reviews, steps: 40, batch_size: 8, checkpoint_every: 1, optimizer: { name: adamw, lr: 1.0e+3, max_grad_norm: 0 } }',
    ]);
    const err = await distill(loadRecipe(recipe), { quiet: true }).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/^stage ft: step (\d+): (loss term hard is (NaN|Infinity|-Infinity)|the gradient of \S+ is not finite); stopped before the update, the last good checkpoint is \S+checkpoint/);
    const step = Number(/step (\d+)/.exec(err!.message)![1]);
    const trainer = JSON.parse(readFileSync(join(dir, 'run', 'ft', 'checkpoint', 'trainer.json'), 'utf8'));
    expect(trainer.step).toBe(step - 1);
    const kept = readSafetensors(join(dir, 'run', 'ft', 'checkpoint', 'model.safetensors')).tensors;
    for (const [name, t] of kept) expect(t.data.every(Number.isFinite), name).toBe(true);
    expect(existsSync(join(dir, 'run', 'ft', 'final'))).toBe(false);
  }, 120_000);

  it('never writes final/ from non-finite weights, even when no loss or gradient reached them', async () => {
    const { dir } = tinyRecipe();
    // A general stage skips the task head: a NaN classifier gives finite losses and gradients.
    const student = await modelDir(dir, 'nan-head', 'student.json', 'classification');
    const weights = join(student, 'model.safetensors');
    const t = readSafetensors(weights).tensors;
    t.get('classifier.weight')!.data[3] = Number.POSITIVE_INFINITY;
    const { writeSafetensors } = await import('../../src/checkpoint/safetensors.js');
    writeSafetensors(weights, t);
    const { recipe } = recipeWith(`  teacher: { config: teacher.json }
  student: { dir: nan-head }`, [
      '{ name: gd, kind: general, teacher: teacher, student: student, corpus: text, steps: 2, batch_size: 8 }',
    ], dir);
    await expect(distill(loadRecipe(recipe), { quiet: true })).rejects.toThrow(
      `stage gd: step 2: parameter classifier.weight is not finite; ${join(dir, 'run', 'gd', 'final')} not written`,
    );
    expect(existsSync(join(dir, 'run', 'gd', 'final'))).toBe(false);
  }, 120_000);
});

describe('teacher heads', () => {
  /** A teacher directory whose config declares a classifier but whose weights have none. */
  async function headlessTeacher(dir: string): Promise<string> {
    const withHead = await modelDir(dir, 'with-head', 'teacher.json', 'classification');
    const headless = await modelDir(dir, 'headless', 'teacher.json', 'none');
    copyFileSync(join(withHead, 'config.json'), join(headless, 'config.json'));
    return headless;
  }

  it('refuses a task-prediction teacher without its task head, naming the directory and the missing tensors', async () => {
    const { dir } = tinyRecipe();
    const teacher = await headlessTeacher(dir);
    const { recipe } = recipeWith(`  teacher: { dir: headless }\n  student: { config: student.json }`, [
      '{ name: tp, kind: task-prediction, teacher: teacher, student: student, task: reviews, steps: 1, batch_size: 8 }',
    ], dir);
    await expect(distill(loadRecipe(recipe), { quiet: true })).rejects.toThrow(
      `${teacher}: the teacher of stage tp has no task head (missing classifier.weight, classifier.bias); task-prediction distils the teacher's logits`,
    );
  });

  it('warns (log and result) when a task-intermediate teacher has no task head, and notes the fresh head of the trained slot', async () => {
    const { dir } = tinyRecipe();
    // A pre-trained (not fine-tuned) teacher: its config and weights have no head at all.
    const teacher = await modelDir(dir, 'headless', 'teacher.json', 'none');
    const { recipe } = recipeWith(`  teacher: { dir: headless }\n  student: { config: student.json }`, [
      '{ name: gd, kind: general, teacher: teacher, student: student, corpus: text, steps: 1, batch_size: 8 }',
      '{ name: ti, kind: task-intermediate, teacher: teacher, student: student, task: reviews, steps: 1, batch_size: 8 }',
    ], dir);
    const r = await distill(loadRecipe(recipe), { quiet: true });
    const want = `${teacher}: the teacher of stage ti has no task head (missing classifier.weight, classifier.bias)`;
    expect(r.stages[1].warnings.some((w) => w.startsWith(want))).toBe(true);
    expect(events(dir, 'warning').some((e) => e.stage === 'ti' && e.message.startsWith(want))).toBe(true);
    const notes = events(dir, 'note');
    expect(notes.some((e) => e.stage === 'ti' && /student gets a fresh task head \(classifier\.weight, classifier\.bias\)/.test(e.message))).toBe(true);
  }, 120_000);
});

describe('trained projections', () => {
  it('task-intermediate starts from the general stage\'s trained fit_dense', async () => {
    const { dir, recipe } = recipeWith(CONFIG_MODELS, [
      '{ name: gd, kind: general, teacher: teacher, student: student, corpus: text, steps: 3, batch_size: 8, optimizer: { lr: 1.0e-2 } }',
      '{ name: ft, kind: finetune, train: teacher, task: reviews, steps: 1, batch_size: 8 }',
      // lr so small the update vanishes in float32: the output holds exactly what the stage started from.
      '{ name: ti, kind: task-intermediate, teacher: teacher, student: student, task: reviews, steps: 1, batch_size: 8, optimizer: { lr: 1.0e-30 } }',
    ]);
    const r = await distill(loadRecipe(recipe), { quiet: true });
    // No eval on task-intermediate: no dev score from its untrained head, and it hands on final/.
    expect(r.stages[2]).toMatchObject({ stage: 'ti', output: join(dir, 'run', 'ti', 'final'), scores: undefined });
    expect(events(dir, 'eval').filter((e) => e.stage === 'ti')).toEqual([]);
    const gd = readSafetensors(join(dir, 'run', 'gd', 'final', 'model.safetensors')).tensors.get('fit_dense.weight')!;
    const ti = readSafetensors(join(dir, 'run', 'ti', 'final', 'model.safetensors')).tensors.get('fit_dense.weight')!;
    expect(Buffer.from(ti.data.buffer).equals(Buffer.from(gd.data.buffer))).toBe(true);
    const p = events(dir, 'projection').find((e) => e.stage === 'ti');
    expect(p).toMatchObject({ kind: 'shared', source: 'checkpoint', from: join(dir, 'run', 'gd', 'final') });
    expect(events(dir, 'warning')).toEqual([]);
  }, 120_000);

  it('a student holding fit_denses.N (TinyBERT v2) keeps its per-layer projections without projection: per-layer', async () => {
    const { dir } = tinyRecipe();
    await modelDir(dir, 'v2-student', 'student.json', 'none', (C, L) => {
      const m: TensorMap = new Map();
      for (let s = 0; s <= L; s++) {
        m.set(`fit_denses.${s}.weight`, tensor([32, C], 0.01 * (s + 1)));
        m.set(`fit_denses.${s}.bias`, tensor([32], 0.5));
      }
      return m;
    });
    const { recipe } = recipeWith(`  teacher: { config: teacher.json }\n  student: { dir: v2-student }`, [
      '{ name: ti, kind: task-intermediate, teacher: teacher, student: student, task: reviews, steps: 1, batch_size: 8, optimizer: { lr: 1.0e-30 } }',
    ], dir);
    await distill(loadRecipe(recipe), { quiet: true });
    expect(events(dir, 'projection')[0]).toMatchObject({ kind: 'per-layer', source: 'checkpoint' });
    const out = readSafetensors(join(dir, 'run', 'ti', 'final', 'model.safetensors')).tensors;
    expect(out.get('fit_denses.1.weight')!.data[0]).toBeCloseTo(0.02, 7);
    expect(out.has('fit_dense.weight')).toBe(false);
  }, 120_000);

  it('refuses projection: shared for a student that holds per-layer projections', async () => {
    const { dir } = tinyRecipe();
    const student = await modelDir(dir, 'v2-student', 'student.json', 'none', (C, L) =>
      new Map(Array.from({ length: L + 1 }, (_, s) => [[`fit_denses.${s}.weight`, tensor([32, C], 0.1)], [`fit_denses.${s}.bias`, tensor([32], 0)]] as const).flat()),
    );
    const { recipe } = recipeWith(`  teacher: { config: teacher.json }\n  student: { dir: v2-student }`, [
      '{ name: ti, kind: task-intermediate, teacher: teacher, student: student, task: reviews, steps: 1, batch_size: 8, projection: shared }',
    ], dir);
    await expect(distill(loadRecipe(recipe), { quiet: true })).rejects.toThrow(
      `stages.ti.projection: the student ${student} holds trained per-layer projections (fit_denses.N) but the recipe says shared; remove projection: to keep them`,
    );
  });

  it('warns when a task stage\'s student from a directory holds no fit_dense (an exported general student)', async () => {
    const { dir } = tinyRecipe();
    const student = await modelDir(dir, 'exported', 'student.json', 'none');
    const { recipe } = recipeWith(`  teacher: { config: teacher.json }\n  student: { dir: exported }`, [
      '{ name: ti, kind: task-intermediate, teacher: teacher, student: student, task: reviews, steps: 1, batch_size: 8 }',
    ], dir);
    const r = await distill(loadRecipe(recipe), { quiet: true });
    const want = `stage ti: the student ${student} holds no fit_dense, so its shared projection starts from random`;
    expect(r.stages[0].warnings.some((w) => w.startsWith(want))).toBe(true);
    expect(events(dir, 'warning').some((e) => e.message.startsWith(want))).toBe(true);
  }, 120_000);

  it('task-prediction hands the student\'s trained projections on instead of dropping them', async () => {
    const { dir, recipe } = recipeWith(CONFIG_MODELS, [
      '{ name: gd, kind: general, teacher: teacher, student: student, corpus: text, steps: 1, batch_size: 8 }',
      '{ name: ft, kind: finetune, train: teacher, task: reviews, steps: 1, batch_size: 8 }',
      '{ name: tp, kind: task-prediction, teacher: teacher, student: student, task: reviews, steps: 1, batch_size: 8 }',
    ]);
    await distill(loadRecipe(recipe), { quiet: true });
    const gd = readSafetensors(join(dir, 'run', 'gd', 'final', 'model.safetensors')).tensors.get('fit_dense.weight')!;
    const tp = readSafetensors(join(dir, 'run', 'tp', 'final', 'model.safetensors')).tensors.get('fit_dense.weight')!;
    expect(Buffer.from(tp.data.buffer).equals(Buffer.from(gd.data.buffer))).toBe(true);
  }, 120_000);
});

describe('preflight: every input checked before the first stage', () => {
  it('refuses a vocab larger than a slot\'s vocab_size, naming both files and both sizes, before any stage ran', async () => {
    const { dir } = tinyRecipe();
    const student = join(dir, 'student.json');
    writeFileSync(student, JSON.stringify({ ...JSON.parse(readFileSync(student, 'utf8')), vocab_size: 100 }));
    const { recipe } = recipeWith(CONFIG_MODELS, [
      '{ name: ft, kind: finetune, train: teacher, task: reviews, steps: 1, batch_size: 8 }',
      '{ name: ti, kind: task-intermediate, teacher: teacher, student: student, task: reviews, steps: 1, batch_size: 8 }',
    ], dir);
    await expect(distill(loadRecipe(recipe), { quiet: true })).rejects.toThrow(
      `model slot "student": ${VOCAB} has 245 tokens but ${student} has vocab_size 100`,
    );
    expect(existsSync(join(dir, 'run', 'ft'))).toBe(false);
  });

  it('refuses a bad dev label before the first stage, naming file:line and the value', async () => {
    const { dir } = tinyRecipe();
    const dev = join(dir, 'data', 'dev.tsv');
    const lines = readFileSync(dev, 'utf8').split('\n');
    lines[7] = `positive\t${lines[7].split('\t')[1]}`;
    writeFileSync(dev, lines.join('\n'));
    const { recipe } = recipeWith(CONFIG_MODELS, ['{ name: ft, kind: finetune, train: teacher, task: reviews, steps: 1, batch_size: 8 }'], dir);
    await expect(distill(loadRecipe(recipe), { quiet: true })).rejects.toThrow(new RegExp(`^${dev}:8: label "positive" is not one of \\["0","1"\\]`));
    expect(existsSync(join(dir, 'run', 'ft'))).toBe(false);
  });

  it('refuses a missing train file and a missing corpus before the first stage', async () => {
    const { dir } = tinyRecipe();
    const { recipe } = recipeWith(CONFIG_MODELS, [
      '{ name: ft, kind: finetune, train: teacher, task: reviews, steps: 1, batch_size: 8 }',
      '{ name: gd, kind: general, teacher: teacher, student: student, corpus: text, steps: 1, batch_size: 8 }',
    ], dir);
    writeFileSync(join(dir, 'data', 'corpus.txt'), '');
    await expect(distill(loadRecipe(recipe), { quiet: true })).rejects.toThrow(`${join(dir, 'data', 'corpus.txt')}: corpus file is empty`);
    writeFileSync(join(dir, 'data', 'train.tsv.bak'), readFileSync(join(dir, 'data', 'train.tsv')));
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, 'data', 'train.tsv'));
    await expect(distill(loadRecipe(recipe), { quiet: true })).rejects.toThrow(join(dir, 'data', 'train.tsv'));
    expect(existsSync(join(dir, 'run', 'ft'))).toBe(false);
  });
});
