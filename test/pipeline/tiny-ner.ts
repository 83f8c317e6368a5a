/**
 * A tiny token-classification (NER) recipe: finetune a teacher, then task-intermediate and
 * task-prediction distillation of a student. Its data is a slice of Resume NER (jsonl, character
 * tokens) when ../shared is present, else a hand-made conll file; the vocabulary is the slice's
 * characters, so no token is [UNK]. Sentences are longer than max_seq_length: windows are used.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA, hasData } from '../helpers/shared.js';
import { lcg, taskDir, writeTaskRecipe, writeVocabAndModels } from '../helpers/tiny-task.js';

/** Hand-made sentences (token, tag) for a clone without ../shared: names, places, filler. */
function handMade(n: number, seed: number): string[][][] {
  const names = ['张三', '李四', '王小明', '赵六'];
  const places = ['北京', '上海', '广州市'];
  const filler = '今天我们去了那里看到很多人和事情'.split('');
  const out: string[][][] = [];
  const rnd = lcg(seed);
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
  /** The dev file: Resume's JSON lines (characters and tags), or CoNLL without ../shared. */
  dev: string;
}

export function tinyNerRecipe(opts: { steps?: number; checkpointEvery?: number } = {}): TinyNer {
  const dir = taskDir('tb-ner-');
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
  writeVocabAndModels(dir, chars);
  const entry = `{ type: token-classification, train: data/${train}, dev: data/${dev}, max_seq_length: 24, stride: 12 }`;
  const recipe = writeTaskRecipe(dir, { name: 'tiny-ner', task: 'ner', entry, steps: opts.steps ?? 8, checkpointEvery: opts.checkpointEvery ?? 0 });
  return { dir, recipe, dev: join(dir, 'data', dev) };
}
