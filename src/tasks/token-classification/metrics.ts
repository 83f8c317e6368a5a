/**
 * Entity-level scores as conlleval computes them: an entity counts as correct when gold and
 * prediction have a chunk with the same start, end and type (chunks read by `chunks` in tags.ts,
 * so BIO, BIOES and BMES are scored alike); micro precision / recall / F1 over all entities,
 * the same per type, and token accuracy over every token (O included, as conlleval's "accuracy").
 * Sentences are scored separately: no entity crosses a sentence boundary. Scores are fractions;
 * a ratio with a zero denominator is 0, as in conlleval.
 */
import { DataError } from '../../errors.js';
import { chunks, type Chunk } from './tags.js';

export interface Prf {
  precision: number;
  recall: number;
  f1: number;
  /** Gold entities. */
  support: number;
}

export interface NerScores extends Prf {
  accuracy: number;
  /** Per entity type, sorted by type. */
  perType: Record<string, Prf>;
  counts: { gold: number; predicted: number; correct: number; tokens: number; correctTokens: number };
}

function prf(correct: number, predicted: number, gold: number): Prf {
  const precision = predicted ? correct / predicted : 0;
  const recall = gold ? correct / gold : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, support: gold };
}

const key = (c: Chunk) => `${c.start}:${c.end}:${c.type}`;

/** Scores predicted tag sequences against gold ones, sentence by sentence. */
export function scoreEntities(gold: readonly (readonly string[])[], predicted: readonly (readonly string[])[]): NerScores {
  if (gold.length !== predicted.length) {
    throw new DataError(`${gold.length} gold sentences but ${predicted.length} predicted; expected one prediction per sentence`);
  }
  const byType = new Map<string, { gold: number; predicted: number; correct: number }>();
  const of = (type: string) => byType.get(type) ?? byType.set(type, { gold: 0, predicted: 0, correct: 0 }).get(type)!;
  const counts = { gold: 0, predicted: 0, correct: 0, tokens: 0, correctTokens: 0 };
  gold.forEach((g, s) => {
    const p = predicted[s];
    if (g.length !== p.length) {
      throw new DataError(`sentence ${s + 1}: ${g.length} gold tags but ${p.length} predicted; expected one prediction per token`);
    }
    counts.tokens += g.length;
    g.forEach((tag, i) => (counts.correctTokens += tag === p[i] ? 1 : 0));
    const goldChunks = chunks(g);
    const seen = new Set(goldChunks.map(key));
    for (const c of goldChunks) of(c.type).gold++;
    for (const c of chunks(p)) {
      of(c.type).predicted++;
      if (seen.has(key(c))) of(c.type).correct++;
    }
  });
  const perType: Record<string, Prf> = {};
  for (const type of [...byType.keys()].sort()) {
    const t = byType.get(type)!;
    counts.gold += t.gold;
    counts.predicted += t.predicted;
    counts.correct += t.correct;
    perType[type] = prf(t.correct, t.predicted, t.gold);
  }
  return {
    ...prf(counts.correct, counts.predicted, counts.gold),
    accuracy: counts.tokens ? counts.correctTokens / counts.tokens : 0,
    perType,
    counts,
  };
}
