/**
 * A tiny token-classification (NER) recipe: finetune a teacher, then task-intermediate and
 * task-prediction distillation of a student. Its data is a slice of Resume NER (jsonl, character
 * tokens) when ../shared is present, else a hand-made conll file; the vocabulary is the slice's
 * characters, so no token is [UNK]. Sentences are longer than max_seq_length: windows are used.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATA, hasData } from '../helpers/shared.js';

/** Hand-made sentences (token, tag) for a clone without ../shared: names, places, filler. */
function handMade(n: number, seed: number): string[][][] {
  const names = ['张三', '李四', '王小明', '赵六'];
  const places = ['北京', '上海', '广州市'];
  const filler = '今天我们去了那里看到很多人和事情'.split('');
  const out: string[][][] = [];
  let x = seed;
  const rnd = (k: number) => ((x = (x * 1103515245 + 12345) % 2147483648), x % k);
  for (let s = 0; s < n; s++) {
    const rows: string[][] = [];
    while (rows.length < 40) {
      const r = rnd(3);
      const word = r === 0 ? names[rnd(names.length)]! : r === 1 ? places[rnd(places.length)]! : filler[rnd(filler.length)]!;
      const type = r === 0 ? 'PER' : r === 1 ? 'LOC' : undefined;
      [...word].forEach((ch, i) => rows.push([ch, type ? `${i === 0 ? 'B' : 'I'}-${type}` : 'O']));
    }
    out.push(rows);
  }
  return out;
}

export interface TinyNer {
  dir: string;
  recipe: string;
}

export function tinyNerRecipe(opts: { steps?: number; checkpointEvery?: number } = {}): TinyNer {
  const dir = mkdtempSync(join(tmpdir(), 'tb-ner-'));
  mkdirSync(join(dir, 'data'));
  let chars: Set<string>;
  let train: string;
  let dev: string;
  if (hasData) {
    const lines = (f: string, n: number) => readFileSync(join(DATA, 'ner_resume', f), 'utf8').split('\n').filter(Boolean).slice(0, n);
    const t = lines('train.json', 48);
    const d = lines('dev.json', 16);
    chars = new Set([...t, ...d].flatMap((l) => JSON.parse(l).text as string[]));
    train = 'train.json';
    dev = 'dev.json';
    writeFileSync(join(dir, 'data', train), `${t.join('\n')}\n`);
    writeFileSync(join(dir, 'data', dev), `${d.join('\n')}\n`);
  } else {
    const conll = (sentences: string[][][]) => `${sentences.map((s) => s.map((r) => r.join(' ')).join('\n')).join('\n\n')}\n`;
    const t = handMade(48, 1);
    const d = handMade(16, 2);
    chars = new Set([...t, ...d].flat().map((r) => r[0]!));
    train = 'train.conll';
    dev = 'dev.conll';
    writeFileSync(join(dir, 'data', train), conll(t));
    writeFileSync(join(dir, 'data', dev), conll(d));
  }
  const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...[...chars].sort()];
  writeFileSync(join(dir, 'vocab.txt'), `${vocab.join('\n')}\n`);
  const common = { vocab_size: vocab.length, hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1, max_position_embeddings: 64 };
  writeFileSync(join(dir, 'teacher.json'), JSON.stringify({ ...common, model_type: 'nezha', hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 64, max_relative_position: 8 }));
  writeFileSync(join(dir, 'student.json'), JSON.stringify({ ...common, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 }));
  const steps = opts.steps ?? 8;
  const ck = opts.checkpointEvery ?? 0;
  const recipe = `
name: tiny-ner
seed: 5
output_dir: run
vocab: vocab.txt
tasks:
  ner: { type: token-classification, train: data/${train}, dev: data/${dev}, max_seq_length: 24, stride: 12 }
models:
  teacher: { config: teacher.json }
  student: { config: student.json }
stages:
  - { name: ft, kind: finetune, train: teacher, task: ner, steps: ${steps * 3}, batch_size: 16, log_every: 1, optimizer: { name: adamw, lr: 3.0e-3 }, eval: { every: ${steps} } }
  - { name: ti, kind: task-intermediate, teacher: teacher, student: student, task: ner, steps: ${steps}, batch_size: 16, checkpoint_every: ${ck}, optimizer: { name: adamw, lr: 1.0e-3 } }
  - { name: tp, kind: task-prediction, teacher: teacher, student: student, task: ner, steps: ${steps}, batch_size: 16, checkpoint_every: ${ck}, temperature: 2, optimizer: { name: adamw, lr: 3.0e-3 } }
`;
  writeFileSync(join(dir, 'recipe.yaml'), recipe);
  return { dir, recipe: join(dir, 'recipe.yaml') };
}
