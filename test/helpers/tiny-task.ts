/**
 * What the tiny task-kind recipes (test/pipeline/tiny-ner.ts, tiny-span.ts) share: a temp folder,
 * a vocabulary of the data's pieces, the teacher and student configs, the three task stages
 * (finetune a teacher, then task-intermediate and task-prediction distillation of a student), and
 * the checks their end-to-end runs make (test/pipeline/ner-run.test.ts, span-run.test.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { readSafetensors } from '../../src/checkpoint/safetensors.js';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';

/** A fresh temp folder (`prefix`-XXXXXX) with an empty data/ inside. */
export function taskDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, 'data'));
  return dir;
}

/** A seeded linear congruential stream for hand-made data: `rnd(k)` in [0, k). */
export function lcg(seed: number): (k: number) => number {
  let x = seed;
  return (k) => ((x = (x * 1103515245 + 12345) % 2147483648), x % k);
}

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

/**
 * dir/vocab.txt: the special tokens, then the distinct `pieces` sorted (so no piece of the data is
 * [UNK]); dir/teacher.json (NEZHA, 2 layers of 32) and dir/student.json (BERT, 1 layer of 16) over it.
 */
export function writeVocabAndModels(dir: string, pieces: Iterable<string>): void {
  const vocab = [...SPECIALS, ...[...new Set(pieces)].filter((p) => !SPECIALS.includes(p)).sort()];
  writeFileSync(join(dir, 'vocab.txt'), `${vocab.join('\n')}\n`);
  const common = { vocab_size: vocab.length, hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1, max_position_embeddings: 64 };
  writeFileSync(join(dir, 'teacher.json'), JSON.stringify({ ...common, model_type: 'nezha', hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 64, max_relative_position: 8 }));
  writeFileSync(join(dir, 'student.json'), JSON.stringify({ ...common, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 }));
}

export interface TaskRecipe {
  /** The recipe's name. */
  name: string;
  /** The task's key under tasks: and its entry (`{ type: span, train: ... }`). */
  task: string;
  entry: string;
  /** Steps of each distillation stage; the finetune stage runs three times as many, evaluating every `steps`. */
  steps: number;
  checkpointEvery: number;
}

/** dir/recipe.yaml: finetune (ft), task-intermediate (ti) and task-prediction (tp) stages on one task; its path. */
export function writeTaskRecipe(dir: string, { name, task, entry, steps, checkpointEvery: ck }: TaskRecipe): string {
  const recipe = `
name: ${name}
seed: 5
output_dir: run
vocab: vocab.txt
tasks:
  ${task}: ${entry}
models:
  teacher: { config: teacher.json }
  student: { config: student.json }
stages:
  - { name: ft, kind: finetune, train: teacher, task: ${task}, steps: ${steps * 3}, batch_size: 16, log_every: 1, optimizer: { name: adamw, lr: 3.0e-3 }, eval: { every: ${steps} } }
  - { name: ti, kind: task-intermediate, teacher: teacher, student: student, task: ${task}, steps: ${steps}, batch_size: 16, checkpoint_every: ${ck}, optimizer: { name: adamw, lr: 1.0e-3 } }
  - { name: tp, kind: task-prediction, teacher: teacher, student: student, task: ${task}, steps: ${steps}, batch_size: 16, checkpoint_every: ${ck}, temperature: 2, optimizer: { name: adamw, lr: 3.0e-3 } }
`;
  writeFileSync(join(dir, 'recipe.yaml'), recipe);
  return join(dir, 'recipe.yaml');
}

/** The events of a run's log.jsonl. */
export const runEvents = (out: string) =>
  readFileSync(join(out, 'log.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/**
 * The checks every tiny task run's log passes: `ftSteps` finetune steps whose hard loss decreases,
 * three finetune evaluations and one of the student, and both distillation losses logged. Returns
 * the eval events, for the kind's metrics.
 */
export function expectTaskRunLog(log: Record<string, unknown>[], ftSteps: number): Record<string, unknown>[] {
  const hard = log.filter((e) => e.event === 'step' && e.stage === 'ft').map((e) => e['loss.hard'] as number);
  expect(hard.length).toBe(ftSteps);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  expect(mean(hard.slice(-4))).toBeLessThan(mean(hard.slice(0, 4)));
  const evals = log.filter((e) => e.event === 'eval');
  expect(evals.map((e) => e.stage)).toEqual(['ft', 'ft', 'ft', 'tp']);
  expect(log.some((e) => e.event === 'step' && e.stage === 'tp' && typeof e['loss.prediction'] === 'number')).toBe(true);
  expect(log.some((e) => e.event === 'step' && e.stage === 'ti' && typeof e['loss.hidden'] === 'number')).toBe(true);
  return evals;
}

/**
 * Runs `recipe` into `killed` (through `set`), interrupted at step 4 of stage tp, resumes it, and
 * expects its final tp weights bit-identical to those of the uninterrupted run in `whole`.
 */
export async function expectResumeBitIdentical(recipe: string, dir: string, set: (out: string) => string[]): Promise<void> {
  const stop = new Error('interrupted');
  await expect(
    distill(loadRecipe(recipe, set('killed')), {
      quiet: true,
      onStep: ({ stage, step }) => {
        if (stage === 'tp' && step === 4) throw stop;
      },
    }),
  ).rejects.toBe(stop);
  await distill(loadRecipe(recipe, set('killed')), { quiet: true, resume: true });
  const a = readSafetensors(join(dir, 'whole', 'tp', 'final', 'model.safetensors')).tensors;
  const b = readSafetensors(join(dir, 'killed', 'tp', 'final', 'model.safetensors')).tensors;
  expect([...b.keys()]).toEqual([...a.keys()]);
  for (const [name, t] of a) expect(Buffer.from(b.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
}
