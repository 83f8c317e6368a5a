#!/usr/bin/env node
// Writes the demo dataset (recipes/demo/*): a synthetic Chinese review-sentiment task, a plain-text
// corpus for general distillation and the character vocabulary. All text is generated here from the
// small grammar below (written for this project, CC0), so the repository can ship it.
// Deterministic: `node recipes/demo/generate.mjs` reproduces the committed files byte for byte.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = dirname(fileURLToPath(import.meta.url));

// mulberry32: a tiny seedable PRNG (Tommy Ettinger, public domain).
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(20261125);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

const DOMAINS = [
  { things: ['这家酒店', '那家宾馆', '这个民宿'], aspects: ['房间', '服务', '环境', '位置', '早餐', '前台', '床'] },
  { things: ['这个手机', '这台电脑', '这款耳机'], aspects: ['屏幕', '电池', '质量', '做工', '速度', '声音', '价格'] },
  { things: ['这本书', '这部电影', '这个故事'], aspects: ['情节', '内容', '结局', '人物', '语言', '翻译'] },
  { things: ['那家餐厅', '这家饭店', '这个外卖'], aspects: ['味道', '菜', '分量', '价格', '服务员', '上菜速度'] },
];
const ADVERBS = ['很', '非常', '特别', '比较', '真的', '十分', '相当', '挺'];
const POS = ['好', '不错', '满意', '干净', '舒服', '方便', '精彩', '实惠', '热情', '快', '清楚', '好吃'];
const NEG = ['差', '糟糕', '失望', '脏', '难吃', '贵', '慢', '无聊', '吵', '旧', '冷淡', '模糊'];
const POS_END = ['下次还会再来', '值得推荐', '总体很满意', '会推荐给朋友', '物有所值'];
const NEG_END = ['再也不会来了', '不推荐', '总体很失望', '浪费钱', '后悔了'];
const FILLER = ['我们', '上周', '朋友介绍', '第一次', '周末', '出差的时候', '和家人一起'];

/** One clause and its polarity (+1 / -1); negation with 不 flips the adjective. */
function clause(domain) {
  const aspect = pick(domain.aspects);
  const positive = rand() < 0.5;
  const negated = rand() < 0.25;
  const adj = pick(positive ? POS : NEG);
  const text = negated ? `${aspect}不${adj}` : `${aspect}${pick(ADVERBS)}${adj}`;
  return { text, polarity: positive !== negated ? 1 : -1 };
}

/**
 * A review of one to three clauses. Two or three clauses either agree, or the last one turns the
 * review around after 但是 ("but") and decides the label; 不 ("not") flips an adjective.
 */
function review() {
  const domain = pick(DOMAINS);
  const n = 1 + Math.floor(rand() * 3);
  const clauses = Array.from({ length: n }, () => clause(domain));
  const turn = n > 1 && rand() < 0.5;
  const label = clauses[n - 1].polarity;
  for (const c of clauses.slice(0, -1)) if ((c.polarity === label) === turn) {
    // re-draw until the clause agrees (or, before 但是, disagrees) with the label
    let d = clause(domain);
    while ((d.polarity === label) === turn) d = clause(domain);
    Object.assign(c, d);
  }
  const body = turn
    ? `${clauses.slice(0, -1).map((c) => c.text).join('，')}，但是${clauses[n - 1].text}`
    : clauses.map((c) => c.text).join('，');
  const lead = rand() < 0.3 ? `${pick(FILLER)}去的，` : '';
  const end = rand() < 0.3 ? `，${pick(label > 0 ? POS_END : NEG_END)}` : '';
  return { text: `${lead}${pick(domain.things)}${body}${end}。`, label: label > 0 ? 1 : 0 };
}

const NEUTRAL = [
  () => `${pick(FILLER)}去了${pick(['北京', '上海', '杭州', '成都', '西安', '广州'])}。`,
  () => `${pick(DOMAINS).things[0]}在${pick(['市中心', '火车站旁边', '学校对面', '公园附近'])}。`,
  () => `${pick(['今天', '昨天', '明天'])}的天气${pick(['晴朗', '有雨', '多云', '很热', '很冷'])}。`,
  () => `${pick(['他', '她', '我', '我们'])}${pick(['买了', '看了', '读了', '用了'])}${pick(DOMAINS).things[1].slice(1)}。`,
];

function tsv(rows) {
  return `label\ttext_a\n${rows.map((r) => `${r.label}\t${r.text}`).join('\n')}\n`;
}

const train = Array.from({ length: 4000 }, review);
const dev = Array.from({ length: 600 }, review);
writeFileSync(join(OUT, 'train.tsv'), tsv(train));
writeFileSync(join(OUT, 'dev.tsv'), tsv(dev));

// Corpus: documents of 3-8 sentences (reviews and neutral sentences), one sentence per line,
// a blank line between documents.
const docs = Array.from({ length: 900 }, () =>
  Array.from({ length: 3 + Math.floor(rand() * 6) }, () => (rand() < 0.6 ? review().text : pick(NEUTRAL)())).join('\n'),
);
writeFileSync(join(OUT, 'corpus.txt'), `${docs.join('\n\n')}\n`);

// Vocabulary: BERT's special tokens, then every character seen, then ASCII letters and digits.
const chars = new Set();
for (const line of [...train, ...dev].map((r) => r.text).concat(docs)) for (const ch of line) if (ch.trim()) chars.add(ch);
const ascii = [...'0123456789abcdefghijklmnopqrstuvwxyz'];
const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...[...chars].sort(), ...ascii.filter((c) => !chars.has(c))];
writeFileSync(join(OUT, 'vocab.txt'), `${vocab.join('\n')}\n`);
console.log(`demo data: ${train.length} train, ${dev.length} dev, ${docs.length} corpus documents, vocab ${vocab.length}`);
