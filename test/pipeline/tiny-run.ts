/** A complete but tiny recipe (all four stage kinds) over a slice of the shipped demo data. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/shared.js';

export interface TinyRun {
  dir: string;
  recipe: string;
}

export function tinyRecipe(opts: { steps?: number; checkpointEvery?: number; dropout?: number; accum?: number; pretrain?: boolean } = {}): TinyRun {
  const dir = mkdtempSync(join(tmpdir(), 'tb-run-'));
  const demo = join(ROOT, 'recipes', 'demo');
  const lines = (f: string, n: number) => readFileSync(join(demo, f), 'utf8').split('\n').slice(0, n).join('\n') + '\n';
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 'train.tsv'), lines('train.tsv', 161));
  writeFileSync(join(dir, 'data', 'dev.tsv'), lines('dev.tsv', 41));
  writeFileSync(join(dir, 'data', 'corpus.txt'), lines('corpus.txt', 120));
  const dropout = opts.dropout ?? 0.1;
  const common = { vocab_size: 245, hidden_dropout_prob: dropout, attention_probs_dropout_prob: dropout, max_position_embeddings: 64 };
  writeFileSync(join(dir, 'teacher.json'), JSON.stringify({ ...common, model_type: 'nezha', hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 64, max_relative_position: 8 }));
  writeFileSync(join(dir, 'student.json'), JSON.stringify({ ...common, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 }));
  const steps = opts.steps ?? 6;
  const ck = opts.checkpointEvery ?? 0;
  const accum = opts.accum ?? 1;
  const recipe = `
name: tiny
seed: 5
output_dir: run
vocab: ${join(demo, 'vocab.txt')}
tasks:
  reviews: { type: single, train: data/train.tsv, dev: data/dev.tsv, header: true, labels: ["0", "1"], max_seq_length: 32 }
corpus:
  text: { path: data/corpus.txt, max_seq_length: 32 }
models:
  teacher: { config: teacher.json }
  student: { config: student.json }
stages:${opts.pretrain ? `
  - { name: pt, kind: pretrain, train: teacher, corpus: text, steps: ${steps}, batch_size: 8, mlm_probability: 0.3 }` : ''}
  - { name: gd, kind: general, teacher: teacher, student: student, corpus: text, steps: ${steps}, batch_size: 8, checkpoint_every: ${ck}, grad_accum: ${accum} }
  - { name: ft, kind: finetune, train: teacher, task: reviews, steps: ${steps}, batch_size: 16, optimizer: { name: adamw, lr: 1.0e-3 }, eval: { every: 3 } }
  - { name: ti, kind: task-intermediate, teacher: teacher, student: student, task: reviews, steps: ${steps}, batch_size: 16, checkpoint_every: ${ck}, optimizer: { name: lamb, lr: 1.0e-3 } }
  - { name: tp, kind: task-prediction, teacher: teacher, student: student, task: reviews, steps: ${steps}, batch_size: 16, checkpoint_every: ${ck}, temperature: 2, semantics: masked, t_squared: true }
`;
  writeFileSync(join(dir, 'recipe.yaml'), recipe);
  return { dir, recipe: join(dir, 'recipe.yaml') };
}
