import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../../src/errors.js';
import { chunks, mergeWindows, planWindows, scoreEntities } from '../../../src/tasks/token-classification/index.js';

/**
 * An independent port of conlleval's scoring loop (Tjong Kim Sang's conlleval.pl: the `inCorrect`
 * state machine over gold and guessed tags, token by token, sentence boundaries as O), with the
 * endOfChunk / startOfChunk rules of its IOBES port (sighsmile/conlleval.py). M is given as I.
 */
function endOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  let end = false;
  if (prevTag === 'E' || prevTag === 'S') end = true;
  if ((prevTag === 'B' || prevTag === 'I') && (tag === 'B' || tag === 'S' || tag === 'O')) end = true;
  if (prevTag !== 'O' && prevTag !== '.' && prevType !== type) end = true;
  return end;
}

function startOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  let start = false;
  if (tag === 'B' || tag === 'S') start = true;
  if ((prevTag === 'E' || prevTag === 'S' || prevTag === 'O') && (tag === 'E' || tag === 'I')) start = true;
  if (tag !== 'O' && tag !== '.' && prevType !== type) start = true;
  return start;
}

interface Counts {
  correct: number;
  found: number;
  guessed: number;
  tokens: number;
  correctTags: number;
  perType: Record<string, { correct: number; found: number; guessed: number }>;
}

function conllevalPort(gold: string[][], pred: string[][]): Counts {
  const c: Counts = { correct: 0, found: 0, guessed: 0, tokens: 0, correctTags: 0, perType: {} };
  const t = (type: string) => (c.perType[type] ??= { correct: 0, found: 0, guessed: 0 });
  const split = (tag: string) => {
    const [p, ty = ''] = tag.split('-');
    return [p === 'M' ? 'I' : p, ty] as const;
  };
  let inCorrect = false;
  let [lastCorrect, lastCorrectType, lastGuessed, lastGuessedType] = ['O', '', 'O', ''];
  const lines: [string, string, boolean][] = [];
  gold.forEach((g, s) => {
    g.forEach((tag, i) => lines.push([tag, pred[s][i], false]));
    lines.push(['O', 'O', true]);
  });
  for (const [goldTag, predTag, boundary] of lines) {
    const [correct, correctType] = split(goldTag);
    const [guessed, guessedType] = split(predTag);
    const endC = endOfChunk(lastCorrect, correct, lastCorrectType, correctType);
    const endG = endOfChunk(lastGuessed, guessed, lastGuessedType, guessedType);
    if (inCorrect) {
      if (endC && endG && lastGuessedType === lastCorrectType) {
        inCorrect = false;
        c.correct++;
        t(lastCorrectType).correct++;
      } else if (endC !== endG || guessedType !== correctType) inCorrect = false;
    }
    const startC = startOfChunk(lastCorrect, correct, lastCorrectType, correctType);
    const startG = startOfChunk(lastGuessed, guessed, lastGuessedType, guessedType);
    if (startC && startG && guessedType === correctType) inCorrect = true;
    if (startC) (c.found++, t(correctType).found++);
    if (startG) (c.guessed++, t(guessedType).guessed++);
    if (!boundary) {
      if (correct === guessed && guessedType === correctType) c.correctTags++;
      c.tokens++;
    }
    [lastCorrect, lastCorrectType, lastGuessed, lastGuessedType] = [correct, correctType, guessed, guessedType];
  }
  if (inCorrect) (c.correct++, t(lastCorrectType).correct++);
  return c;
}

function expectSameCounts(gold: string[][], pred: string[][], c: Counts): void {
  const s = scoreEntities(gold, pred);
  expect(s.counts).toEqual({ gold: c.found, predicted: c.guessed, correct: c.correct, tokens: c.tokens, correctTokens: c.correctTags });
  for (const [type, n] of Object.entries(c.perType)) {
    const p = s.perType[type];
    expect(p.support).toBe(n.found);
    expect(p.precision).toBe(n.guessed ? n.correct / n.guessed : 0);
    expect(p.recall).toBe(n.found ? n.correct / n.found : 0);
  }
}

/** This module's counts equal the conlleval port's on one hand-made case. */
function expectConlleval(gold: string[][], pred: string[][]): void {
  expectSameCounts(gold, pred, conllevalPort(gold, pred));
}

const tagOf = (prefixes: string) =>
  fc.oneof(fc.constant('O'), fc.tuple(fc.constantFrom(...prefixes), fc.constantFrom('PER', 'LOC', 'ORG')).map(([p, t]) => `${p}-${t}`));
const taggings = (prefixes: string) =>
  fc.array(fc.array(fc.tuple(tagOf(prefixes), tagOf(prefixes)), { maxLength: 12 }), { maxLength: 6 }).map((sents) => ({
    gold: sents.map((s) => s.map(([g]) => g)),
    pred: sents.map((s) => s.map(([, p]) => p)),
  }));

describe('entity scores by conlleval rules', () => {
  it('reads an I- after O as the start of a new entity', () => {
    const s = scoreEntities([['B-PER', 'I-PER', 'O', 'I-PER']], [['B-PER', 'I-PER', 'O', 'I-PER']]);
    expect(s.counts).toMatchObject({ gold: 2, predicted: 2, correct: 2 });
    expect(chunks(['O', 'I-PER', 'I-PER'])).toEqual([{ type: 'PER', start: 1, end: 3 }]);
    // Against the conlleval port: the guessed I-PER after O opens an entity that matches gold's B-PER.
    const gold = [['O', 'B-PER', 'I-PER', 'O', 'I-LOC']];
    const pred = [['O', 'I-PER', 'I-PER', 'O', 'B-LOC']];
    expect(scoreEntities(gold, pred).counts).toMatchObject({ gold: 2, predicted: 2, correct: 2 });
    expectConlleval(gold, pred);
  });

  it('splits a run at a type change into two entities', () => {
    expect(chunks(['B-PER', 'I-PER', 'I-LOC', 'I-LOC'])).toEqual([
      { type: 'PER', start: 0, end: 2 },
      { type: 'LOC', start: 2, end: 4 },
    ]);
    const s = scoreEntities([['B-PER', 'I-PER', 'B-LOC', 'I-LOC']], [['B-PER', 'I-PER', 'I-LOC', 'I-LOC']]);
    expect(s).toMatchObject({ precision: 1, recall: 1, f1: 1 });
    expect(s.accuracy).toBe(0.75);
    const typeChange = [['B-PER', 'I-LOC', 'I-LOC', 'O']];
    expect(scoreEntities([['B-PER', 'B-LOC', 'I-LOC', 'O']], typeChange)).toMatchObject({ precision: 1, recall: 1 });
    expectConlleval([['B-PER', 'I-PER', 'B-LOC', 'I-LOC']], [['B-PER', 'I-PER', 'I-LOC', 'I-LOC']]);
    expectConlleval([['B-PER', 'B-LOC', 'I-LOC', 'O']], typeChange);
  });

  it('counts BIOES singles as one-token entities and an S- inside a run as a boundary', () => {
    expect(chunks(['S-PER', 'S-PER', 'B-LOC', 'S-LOC', 'E-LOC'])).toEqual([
      { type: 'PER', start: 0, end: 1 },
      { type: 'PER', start: 1, end: 2 },
      { type: 'LOC', start: 2, end: 3 },
      { type: 'LOC', start: 3, end: 4 },
      { type: 'LOC', start: 4, end: 5 },
    ]);
    // Two singles guessed as one two-token entity: gold 3 entities, guessed 2, only LOC right.
    const gold = [['S-PER', 'S-PER', 'B-LOC', 'E-LOC']];
    const pred = [['B-PER', 'E-PER', 'B-LOC', 'E-LOC']];
    expect(scoreEntities(gold, pred).counts).toMatchObject({ gold: 3, predicted: 2, correct: 1 });
    expectConlleval(gold, pred);
  });

  it('scores BMES like the BIOES it spells (M is I)', () => {
    const bmes = [['B-ORG', 'M-ORG', 'E-ORG', 'S-PER', 'O']];
    const bioes = [['B-ORG', 'I-ORG', 'E-ORG', 'S-PER', 'O']];
    expect(scoreEntities(bmes, bmes)).toEqual(scoreEntities(bioes, bioes));
    expect(scoreEntities(bmes, [['B-ORG', 'E-ORG', 'O', 'S-PER', 'O']])).toMatchObject({ precision: 0.5, recall: 0.5 });
  });

  it('keeps an entity at a window boundary whole after merging the windows', () => {
    const gold = ['O', 'O', 'B-LOC', 'I-LOC', 'I-LOC', 'I-LOC', 'O', 'O'];
    const ranges = planWindows(gold.map(() => 1), { maxSeqLength: 6, stride: 2 });
    expect(ranges.some((r) => r.end > 2 && r.end < 6)).toBe(true); // some window ends inside the entity
    const windows = ranges.map((r) => ({ ...r, firstPiece: gold.slice(r.start, r.end).map((_, k) => k + 1) }));
    // Each window sees a truncated entity and tags its first visible token B-: merging must not split it.
    const outputs = windows.map((w) => ['-', ...gold.slice(w.start, w.end).map((g, k) => (k === 0 && g !== 'O' ? `B-${g.slice(2)}` : g))]);
    const merged = mergeWindows(windows, outputs, gold.length);
    expect(merged).toEqual(gold);
    expect(scoreEntities([gold], [merged])).toMatchObject({ precision: 1, recall: 1, f1: 1 });
    expectConlleval([gold], [merged]);
  });

  it('scores empty predictions as 0 precision, recall and F1, without NaN', () => {
    const s = scoreEntities([['B-PER', 'I-PER', 'O']], [['O', 'O', 'O']]);
    expect(s).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(s.accuracy).toBeCloseTo(1 / 3, 12);
    expectConlleval([['B-PER', 'I-PER', 'O']], [['O', 'O', 'O']]);
    expect(scoreEntities([], [])).toMatchObject({ precision: 0, recall: 0, f1: 0, accuracy: 0 });
  });

  it('scores all-O gold and predictions as 0 entity F1 and full token accuracy', () => {
    const s = scoreEntities([['O', 'O'], ['O']], [['O', 'O'], ['O']]);
    expect(s).toMatchObject({ precision: 0, recall: 0, f1: 0, accuracy: 1, perType: {} });
  });

  it('gives per-type scores and micro averages over all types', () => {
    const s = scoreEntities([['B-PER', 'O', 'B-LOC', 'B-LOC']], [['B-PER', 'O', 'B-LOC', 'O']]);
    expect(s.perType.PER).toEqual({ precision: 1, recall: 1, f1: 1, support: 1 });
    expect(s.perType.LOC).toMatchObject({ precision: 1, recall: 0.5, support: 2 });
    expect(s).toMatchObject({ precision: 1, recall: 2 / 3 });
  });

  it('refuses predictions that do not match the gold sentences or tokens', () => {
    expect(() => scoreEntities([['O']], [])).toThrow(DataError);
    expect(() => scoreEntities([['O', 'O']], [['O']])).toThrow(/sentence 1: 2 gold tags but 1 predicted/);
  });

  it('agrees with a port of conlleval on thousands of random BIO, BIOES and BMES taggings', () => {
    for (const prefixes of ['BI', 'BIES', 'BMES']) {
      fc.assert(
        fc.property(taggings(prefixes), ({ gold, pred }) => expectSameCounts(gold, pred, conllevalPort(gold, pred))),
        { numRuns: 2000 },
      );
    }
  });
});

/**
 * The real conlleval.pl (BIO only: it predates S- and reads E- as IOE tagging), when CONLLEVAL names
 * a copy of it; the script is not part of the project.
 */
const conlleval = process.env.CONLLEVAL;
const hasPerl = spawnSync('perl', ['-v']).status === 0;
const runPerl = !!conlleval && existsSync(conlleval) && hasPerl;
if (!runPerl) process.stderr.write('SKIPPED "agrees with conlleval.pl": set CONLLEVAL to a copy of conlleval.pl (and have perl) to run it\n');

describe.skipIf(!runPerl)('the real conlleval.pl', () => {
  it('agrees with conlleval.pl on thousands of random BIO taggings', () => {
    // 200 files of 15 random taggings each (a perl start per tagging would take minutes).
    const dir = mkdtempSync(join(tmpdir(), 'tinybert-conlleval-'));
    for (let k = 0; k < 200; k++) {
      const batch = fc.sample(taggings('BI'), 15);
      const gold = batch.flatMap((b) => b.gold);
      const pred = batch.flatMap((b) => b.pred);
      const file = join(dir, `${k}.txt`);
      writeFileSync(file, gold.map((g, s) => g.map((tag, i) => `x ${tag} ${pred[s][i]}\n`).join('') + '\n').join(''));
      const out = spawnSync('perl', [conlleval!, file], { encoding: 'utf8' }).stdout;
      const m = /processed (\d+) tokens with (\d+) phrases; found: (\d+) phrases; correct: (\d+)/.exec(out);
      expect(m, out).not.toBeNull();
      const s = scoreEntities(gold, pred);
      expect([s.counts.tokens, s.counts.gold, s.counts.predicted, s.counts.correct]).toEqual(m!.slice(1).map(Number));
    }
  });
});
