/**
 * Decoding start/end logits into answers, as `run_squad.py`'s `write_predictions` does for SQuAD
 * v1.1: per window, the `n_best_size` highest start and end positions are paired; a pair counts
 * when both are context tokens, the start is in its max-context window, start <= end and the span
 * is at most `max_answer_length` tokens. Candidates of all windows of a question are ranked by
 * start + end logit, mapped back to the original context through the token offsets (so the answer
 * keeps the context's case, spaces and characters the tokenizer dropped inside it) and deduplicated
 * by text. A question with no valid pair is answered "" with a null score.
 */
import { CheckpointError, ShapeError } from '../../errors.js';
import type { SpanFeature } from './features.js';
import type { SpanOptions } from './options.js';
import type { SpanExample } from './squad.js';

/** Start and end logits of one window, each `max_seq_length` long (one row of the span head's [B, T, 2]). */
export interface SpanLogits {
  start: ArrayLike<number>;
  end: ArrayLike<number>;
}

export interface SpanCandidate {
  text: string;
  /** start logit + end logit. */
  score: number;
  /** [start, end) UTF-16 offsets of the answer in the context. */
  chars: [number, number];
}

export interface SpanPrediction {
  id: string;
  /** Best answer, "" when no span is valid. */
  text: string;
  /** Its score (start + end logit); null when no span is valid. */
  score: number | null;
  /** Up to `n_best_size` distinct answers, best first. */
  nbest: SpanCandidate[];
}

export type DecodeOptions = Pick<SpanOptions, 'n_best_size' | 'max_answer_length'>;

/** Indices of the `n` largest values, largest first (ties to the lower index). */
export function topIndices(values: ArrayLike<number>, n: number): number[] {
  return Array.from({ length: values.length }, (_, i) => i)
    .sort((a, b) => values[b] - values[a] || a - b)
    .slice(0, n);
}

/** One prediction per example, in example order; `logits[i]` belongs to `features[i]`. */
export function decodeSpans(examples: SpanExample[], features: SpanFeature[], logits: SpanLogits[], opts: DecodeOptions): SpanPrediction[] {
  if (logits.length !== features.length) {
    throw new ShapeError(`span decoding got logits for ${logits.length} windows, expected one per feature (${features.length})`);
  }
  const candidates: SpanCandidate[][] = examples.map(() => []);
  features.forEach((f, i) => {
    const { start, end } = logits[i];
    if (start.length !== f.offsets.length || end.length !== f.offsets.length) {
      throw new ShapeError(`window ${i}: start/end logits have ${start.length}/${end.length} positions, expected ${f.offsets.length} (max_seq_length)`);
    }
    // A NaN would make the ranking below arbitrary rather than fail.
    const bad = [...Array.from(start), ...Array.from(end)].find((x) => !Number.isFinite(x));
    if (bad !== undefined) throw new CheckpointError(`window ${i}: span logits contain ${bad}; expected finite model outputs`);
    const context = examples[f.example].context;
    const ends = topIndices(end, opts.n_best_size);
    for (const s of topIndices(start, opts.n_best_size)) {
      for (const e of ends) {
        const from = f.offsets[s];
        const to = f.offsets[e];
        if (!from || !to || !f.maxContext[s] || e < s || e - s + 1 > opts.max_answer_length) continue;
        candidates[f.example].push({ text: context.slice(from[0], to[1]), score: start[s] + end[e], chars: [from[0], to[1]] });
      }
    }
  });
  return examples.map((ex, e) => {
    const seen = new Set<string>();
    const nbest = candidates[e]
      .sort((a, b) => b.score - a.score)
      .filter((c) => !seen.has(c.text) && seen.add(c.text))
      .slice(0, opts.n_best_size);
    return { id: ex.id, text: nbest[0]?.text ?? '', score: nbest[0]?.score ?? null, nbest };
  });
}
