/**
 * The official CMRC 2018 / SQuAD v1.1 prediction file: one JSON object mapping every question id
 * to its answer text, `{"DEV_0_QUERY_0": "光荣和ω-force", ...}`, which `cmrc2018_evaluate.py` reads
 * as its second argument. Questions without a valid span are written with "" so the file still has
 * one entry per question. Written atomically, UTF-8, characters as they are (not \u escapes).
 */
import { DataError, show } from '../../errors.js';
import { writeTextAtomic } from '../../util/fs.js';
import type { SpanPrediction } from './decode.js';

/** `{question_id: answer}` in question order; DataError on a repeated id (two answers, one key). */
export function predictionObject(predictions: readonly Pick<SpanPrediction, 'id' | 'text'>[]): Record<string, string> {
  // No prototype, so an id such as "__proto__" is an ordinary key.
  const out = Object.create(null) as Record<string, string>;
  for (const { id, text } of predictions) {
    if (Object.hasOwn(out, id)) throw new DataError(`prediction file: question id ${show(id)} appears twice; expected one answer per question`);
    out[id] = text;
  }
  return out;
}

export function predictionJson(predictions: readonly Pick<SpanPrediction, 'id' | 'text'>[]): string {
  return `${JSON.stringify(predictionObject(predictions), null, 2)}\n`;
}

/** Writes the prediction JSON to `path` atomically (a half-written file never replaces an old one). */
export function writePredictionJson(path: string, predictions: readonly Pick<SpanPrediction, 'id' | 'text'>[]): void {
  writeTextAtomic(path, predictionJson(predictions));
}
