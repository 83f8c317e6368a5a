/**
 * A tiny span-extraction recipe: finetune a teacher, then task-intermediate and task-prediction
 * distillation of a student. Its data is a slice of CMRC 2018 (SQuAD JSON, the shorter contexts)
 * when ../shared is present, else a hand-made SQuAD JSON; the vocabulary is the word pieces the
 * real vocabulary cuts the slice into (so no piece is [UNK]), or the hand-made text's characters.
 * Contexts are longer than a window: every question has several.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BertTokenizer } from '../../src/tokenizer/index.js';
import { DATA, hasData } from '../helpers/shared.js';
import { lcg, taskDir, writeTaskRecipe, writeVocabAndModels } from '../helpers/tiny-task.js';

interface Qa {
  id: string;
  question: string;
  answers: { text: string; answer_start: number }[];
}
interface Paragraph {
  context: string;
  qas: Qa[];
}

/** The first paragraphs of a CMRC file with a context of at most `maxChars`, until `questions` questions. */
function cmrcSlice(file: string, questions: number, maxChars: number): Paragraph[] {
  const doc = JSON.parse(readFileSync(join(DATA, 'cmrc2018', file), 'utf8')) as { data: { paragraphs: Paragraph[] }[] };
  const out: Paragraph[] = [];
  let n = 0;
  for (const p of doc.data.flatMap((a) => a.paragraphs)) {
    if (n >= questions) break;
    if (p.context.length > maxChars) continue;
    const qas = p.qas.slice(0, questions - n);
    out.push({ context: p.context, qas });
    n += qas.length;
  }
  return out;
}

/** Hand-made paragraphs for a clone without ../shared: who lives where, in a context of filler. */
function handMade(n: number, prefix: string, seed: number): Paragraph[] {
  const names = ['张三', '李四', '王小明', '赵六'];
  const places = ['北京', '上海', '广州市', '南京'];
  const filler = '今天我们去了那里看到很多人和事情。'.split('');
  const rnd = lcg(seed);
  return Array.from({ length: n }, (_, i) => {
    const name = names[rnd(names.length)]!;
    const place = places[rnd(places.length)]!;
    const before = Array.from({ length: 20 + rnd(40) }, () => filler[rnd(filler.length)]).join('');
    const after = Array.from({ length: 20 + rnd(40) }, () => filler[rnd(filler.length)]).join('');
    const context = `${before}${name}住在${place}。${after}`;
    return { context, qas: [{ id: `${prefix}_${i}`, question: `${name}住在哪里？`, answers: [{ text: place, answer_start: context.indexOf(`住在${place}`) + 2 }] }] };
  });
}

export interface TinySpan {
  dir: string;
  recipe: string;
  /** The dev file (SQuAD JSON) and its question count. */
  dev: string;
  devQuestions: number;
}

export function tinySpanRecipe(opts: { steps?: number; checkpointEvery?: number } = {}): TinySpan {
  const dir = taskDir('tb-span-');
  const train = hasData ? cmrcSlice('cmrc2018_train.json', 16, 300) : handMade(16, 'TRAIN', 1);
  const dev = hasData ? cmrcSlice('cmrc2018_dev.json', 4, 300) : handMade(4, 'DEV', 2);
  const texts = [...train, ...dev].flatMap((p) => [p.context, ...p.qas.map((q) => q.question)]);
  let pieces: string[];
  if (hasData) {
    const real = BertTokenizer.fromVocabFile(join(DATA, 'vocab', 'zh_vocab_21128.txt'));
    pieces = texts.flatMap((t) => real.tokenize(t));
  } else {
    pieces = texts.flatMap((t) => [...t]);
  }
  writeVocabAndModels(dir, pieces);
  writeFileSync(join(dir, 'data', 'train.json'), JSON.stringify({ version: 'tiny', data: [{ paragraphs: train }] }));
  writeFileSync(join(dir, 'data', 'dev.json'), JSON.stringify({ version: 'tiny', data: [{ paragraphs: dev }] }));
  const entry = '{ type: span, train: data/train.json, dev: data/dev.json, max_seq_length: 48, doc_stride: 16, max_query_length: 16, max_answer_length: 20 }';
  const recipe = writeTaskRecipe(dir, { name: 'tiny-span', task: 'qa', entry, steps: opts.steps ?? 6, checkpointEvery: opts.checkpointEvery ?? 0 });
  return { dir, recipe, dev: join(dir, 'data', 'dev.json'), devQuestions: dev.reduce((k, p) => k + p.qas.length, 0) };
}
