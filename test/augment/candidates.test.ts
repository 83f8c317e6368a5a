import { beforeAll, describe, expect, it } from 'vitest';
import { MaskedLmCandidates, type MaskedLmOptions } from '../../src/augment/candidates.js';
import { segmentText, type Segmented } from '../../src/augment/units.js';
import { initBackend } from '../../src/backend/select.js';
import { tf } from '../../src/backend/tf.js';
import { loadModelDir } from '../../src/checkpoint/model-dir.js';
import type { BertModel } from '../../src/model/bert.js';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { SENTENCES, tempDir, tinyMlm } from './fixtures.js';

let model: BertModel;
let tokenizer: BertTokenizer;
const opts: MaskedLmOptions = { candidates: 5, masksPerRow: 1, batchSize: 32, maxSeqLength: 64 };
const segment = (text: string, wholeWord = false): Segmented =>
  segmentText(text, tokenizer, { wholeWord, stopWords: new Set(), hasVector: () => false, eligible: () => true });

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  const loaded = loadModelDir(await tinyMlm(tempDir()));
  model = loaded.model;
  tokenizer = BertTokenizer.fromVocabFile(loaded.vocabPath!);
});

describe('masked-LM candidates', () => {
  it('batched rows give the reference\'s one-pass-per-word candidates exactly', () => {
    const texts = SENTENCES.map((s) => segment(s));
    const perWord = new MaskedLmCandidates(model, tokenizer, { ...opts, batchSize: 1 });
    const batched = new MaskedLmCandidates(model, tokenizer, opts);
    expect(batched.run(texts)).toEqual(perWord.run(texts));
    const units = texts.reduce((n, t) => n + t.units.length, 0);
    expect(perWord.stats.forwardPasses).toBe(units);
    expect(batched.stats.forwardPasses).toBe(Math.ceil(units / 32));
  });

  it('several masks per row need fewer rows and still give k candidates per unit', () => {
    const texts = SENTENCES.map((s) => segment(s));
    const multi = new MaskedLmCandidates(model, tokenizer, { ...opts, masksPerRow: 4 });
    const out = multi.run(texts);
    expect(multi.stats.rows).toBe(texts.reduce((n, t) => n + Math.ceil(t.units.length / 4), 0));
    out.flat().forEach((c) => expect(c).toHaveLength(5));
  });

  it('never proposes the original, a special token or a non-CJK token for a Chinese character', () => {
    const t = segment('我喜欢这部电影');
    const out = new MaskedLmCandidates(model, tokenizer, { ...opts, candidates: 30 }).run([t])[0]!;
    out.forEach((cands, j) => {
      expect(cands).not.toContain(t.units[j]!.word);
      for (const c of cands) expect(c).toMatch(/^\p{Script=Han}$/u);
    });
  });

  it('a whole word gets same-length replacements, never itself', () => {
    const t = segment('我喜欢这部电影', true);
    const out = new MaskedLmCandidates(model, tokenizer, opts).run([t])[0]!;
    t.units.forEach((u, j) => {
      expect(out[j]!.length).toBeGreaterThan(0);
      for (const c of out[j]!) {
        expect([...c]).toHaveLength([...u.word].length);
        expect(c).not.toBe(u.word);
      }
    });
  });

  it('a text longer than one row is windowed and every unit still gets candidates', () => {
    const long = SENTENCES.join('').repeat(4); // ~190 characters, rows hold 30 + 30
    const t = segment(long);
    const out = new MaskedLmCandidates(model, tokenizer, { ...opts, masksPerRow: 8, maxSeqLength: 64 }).run([t])[0]!;
    expect(out).toHaveLength(t.units.length);
    out.forEach((c) => expect(c.length).toBeGreaterThan(0));
  });

  it('given the wanted units, masks only those: the others get no candidates and cost no rows', () => {
    const long = SENTENCES.join('').repeat(4);
    const t = segment(long);
    const wanted = new Set(t.units.map((_, j) => j).filter((j) => j % 3 === 1));
    const all = new MaskedLmCandidates(model, tokenizer, { ...opts, masksPerRow: 4 });
    const some = new MaskedLmCandidates(model, tokenizer, { ...opts, masksPerRow: 4 });
    all.run([t]);
    const out = some.run([t], [wanted])[0]!;
    out.forEach((c, j) => (wanted.has(j) ? expect(c).toHaveLength(5) : expect(c).toEqual([])));
    expect(some.stats.maskedPositions).toBe(wanted.size);
    expect(some.stats.rows).toBeLessThan(all.stats.rows / 2);
  });

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    new MaskedLmCandidates(model, tokenizer, opts).run(SENTENCES.map((s) => segment(s)));
    expect(tf.memory().numTensors).toBe(before);
  });
});
