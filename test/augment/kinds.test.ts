/** Every task kind written back in its own format, with labels, tags and answers kept right. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { augment } from '../../src/augment/index.js';
import { initBackend } from '../../src/backend/select.js';
import { csvRows } from '../../src/data/rows.js';
import { readSentences } from '../../src/tasks/token-classification/index.js';
import { readSquad } from '../../src/tasks/span/index.js';
import { tempDir, tinyMlm } from './fixtures.js';

let dir: string;
let model: string;
const small = { copies: 6, p: 0.5, candidates: 5 };

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  dir = tempDir();
  model = await tinyMlm(dir);
});

describe('augment writes each kind in its own format', () => {
  it('tsv pair rows: header kept, both texts changed separately, label and other cells as they were', async () => {
    const data = join(dir, 'pair.tsv');
    writeFileSync(data, 'id\ttext_a\ttext_b\tlabel\n7\t我喜欢这部电影\t这本书很好\t1\n8\t电影太差了\t书还行\t0\n');
    const out = join(dir, 'pair-out.tsv');
    const s = await augment({ model, data, out, header: true, ...small });
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('id\ttext_a\ttext_b\tlabel');
    expect(lines[1]).toBe('7\t我喜欢这部电影\t这本书很好\t1');
    const copies = lines.slice(2).map((l) => l.split('\t')).filter((c) => c[0] === '7');
    expect(copies.length).toBeGreaterThan(0);
    for (const c of copies) {
      expect(c[3]).toBe('1');
      expect([...c[1]!]).toHaveLength(7);
    }
    expect(copies.some((c) => c[1] !== '我喜欢这部电影') && copies.some((c) => c[2] !== '这本书很好')).toBe(true);
    expect(s.written).toBe(lines.length - 1);
  });

  it('a row with a skipped label is written once, not augmented', async () => {
    const data = join(dir, 'skip.tsv');
    writeFileSync(data, 'label\ttext_a\n-\t我喜欢这部电影\n1\t这本书很好\n');
    const out = join(dir, 'skip-out.tsv');
    await augment({ model, data, out, header: true, skipLabels: ['-'], ...small });
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('-\t'))).toEqual(['-\t我喜欢这部电影']);
    expect(lines.filter((l) => l.startsWith('1\t')).length).toBeGreaterThan(1);
  });

  it('a missing data file is named, and nothing is written', async () => {
    const out = join(dir, 'never.tsv');
    await expect(augment({ model, data: join(dir, 'absent.tsv'), out })).rejects.toThrow(/absent\.tsv: cannot read \(ENOENT\)/);
    expect(existsSync(out)).toBe(false);
  });

  it('csv: fields quoted where RFC 4180 needs it, so the file reads back', async () => {
    const data = join(dir, 'q.csv');
    writeFileSync(data, 'text_a,label\n"我喜欢, ""这部""电影",1\n');
    const out = join(dir, 'q-out.csv');
    await augment({ model, data, out, header: true, ...small });
    const rows = csvRows(out, readFileSync(out, 'utf8'));
    expect(rows[1]!.cells).toEqual(['我喜欢, "这部"电影', '1']);
    for (const r of rows.slice(2)) expect((r.cells as string[])[0]).toMatch(/^.{3}, ".{2}".{2}$/u);
  });

  it('jsonl keeps every key, only the text changes', async () => {
    const data = join(dir, 'a.jsonl');
    writeFileSync(data, '{"id":1,"text_a":"我喜欢这部电影","label":"positive","extra":[1]}\n');
    const out = join(dir, 'a-out.jsonl');
    await augment({ model, data, out, ...small });
    const objs = readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(objs.length).toBeGreaterThan(1);
    for (const o of objs) expect(Object.keys(o)).toEqual(['id', 'text_a', 'label', 'extra']);
  });

  it('NER: only O characters change, entities and tags stay aligned, one token per character', async () => {
    const data = join(dir, 'ner.bmes');
    const tokens = [...'我喜欢这部电影很好'];
    const tags = ['O', 'O', 'O', 'B-ORG', 'E-ORG', 'O', 'O', 'O', 'O'];
    writeFileSync(data, `${tokens.map((t, i) => `${t} ${tags[i]}`).join('\n')}\n`);
    const out = join(dir, 'ner-out.conll');
    await augment({ model, data, out, kind: 'token-classification', format: 'conll', ...small });
    const sentences = readSentences(out, 'conll');
    expect(sentences.length).toBeGreaterThan(1);
    expect(sentences[0]!.tokens).toEqual(tokens);
    for (const s of sentences) {
      expect(s.tags).toEqual(tags);
      expect(s.tokens.slice(3, 5)).toEqual(['这', '部']);
    }
    expect(sentences.some((s) => s.tokens.join('') !== tokens.join(''))).toBe(true);
  });

  it('NER whole words: replacements stay in O stretches, tags follow the new length', async () => {
    const data = join(dir, 'ner.jsonl');
    writeFileSync(data, `${JSON.stringify({ text: '我喜欢这部电影', label: ['O', 'O', 'O', 'O', 'O', 'B-X', 'I-X'] })}\n`);
    const out = join(dir, 'ner-out.jsonl');
    await augment({ model, data, out, kind: 'token-classification', wholeWord: true, ...small });
    for (const s of readSentences(out, 'jsonl')) {
      expect(s.tags.length).toBe(s.tokens.length);
      expect(s.tokens.slice(-2)).toEqual(['电', '影']);
      expect(s.tags.slice(-2)).toEqual(['B-X', 'I-X']);
    }
  });

  it('NER: a file whose name says no format is refused, naming --format', async () => {
    const data = join(dir, 'ner.data');
    writeFileSync(data, '我 O\n\n');
    const out = join(dir, 'ner-data-out');
    await expect(augment({ model, data, out, kind: 'token-classification', ...small })).rejects.toThrow(
      /--format: cannot tell the format of .*ner\.data from its name; give --format conll\|jsonl\|ernie\|bmes/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('a format the kind does not read is refused, naming the kind\'s formats', async () => {
    const data = join(dir, 'ner.data');
    await expect(augment({ model, data, out: join(dir, 'never.conll'), kind: 'token-classification', format: 'tsv' })).rejects.toThrow(
      /format: token-classification files are conll \| jsonl \| ernie \| bmes, saw "tsv"/,
    );
  });

  it('span: answers untouched, answer_start recomputed after longer word-vector replacements, ids unique', async () => {
    const context = '这部电影很好，我喜欢这本书。';
    const doc = { version: 'v1.0', data: [{ title: 't', paragraphs: [{ context, qas: [{ id: 'q1', question: '我喜欢什么', answers: [{ text: '这本书', answer_start: 10 }] }] }] }] };
    const data = join(dir, 'span.json');
    writeFileSync(data, JSON.stringify(doc));
    const vectors = join(dir, 'vectors.txt');
    writeFileSync(vectors, '4 2\n电影 1 0\n书本杂志 0.9 0.1\n喜欢 0 1\n热爱 0.1 0.9\n');
    const out = join(dir, 'span-out.json');
    await augment({ model, data, out, kind: 'span', wholeWord: true, wordVectors: vectors, ...small, copies: 10 });
    const { examples, summary } = readSquad(out);
    expect(summary.fixed + summary.dropped).toBe(0);
    expect(examples.length).toBeGreaterThan(1);
    expect(new Set(examples.map((e) => e.id)).size).toBe(examples.length);
    for (const e of examples) expect(e.context.slice(e.answers[0]!.start, e.answers[0]!.start + 3)).toBe('这本书');
    const moved = examples.filter((e) => e.context.includes('书本杂志'));
    expect(moved.length).toBeGreaterThan(0);
    // 电影 and 喜欢 both have 书本杂志 (two characters longer) among their neighbours: each one before
    // the answer moves it by 2.
    for (const e of moved) expect(e.answers[0]!.start).toBe(10 + 2 * (e.context.slice(0, e.answers[0]!.start).split('书本杂志').length - 1));
  });
});
