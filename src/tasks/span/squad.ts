/**
 * Reader for SQuAD v1.1-style JSON (CMRC 2018, DRCD):
 *
 *   { data: [ { paragraphs: [ { context, qas: [ { id, question, answers: [ { text, answer_start } ] } ] } ] } ] }
 *
 * Extra keys (title, version, paragraph ids) are allowed: the variants differ in them.
 * `answer_start` counts UTF-16 units (JS string indices). The CMRC 2018 files were written that way:
 * read by code points, as Python does, 21 train and 7 dev answers after an astral character look
 * misplaced by one; read here, all match. An answer whose offset does not point at its text (SQuAD
 * files count code points; CMRC 2018 dev writes -1 for the 193 answers that are not substrings of
 * the context) is moved to the occurrence of its text nearest to the given offset and counted as
 * fixed; an answer whose text is not in the context is kept for scoring but has no position and is
 * counted as dropped. Nothing is relabelled silently: every fix and drop is listed in the summary.
 */
import { z } from 'zod';
import { DataError, show } from '../../errors.js';
import { readText } from '../../data/rows.js';
import { validate } from '../../util/validate.js';

export const answerSchema = z.looseObject({
  text: z.string().describe('Answer text, a substring of the context'),
  // CMRC 2018 dev writes -1 for answers it could not place; those are searched for like any wrong offset.
  answer_start: z.number().int().describe('UTF-16 offset of the answer in the context'),
});

const qaSchema = z.looseObject({
  id: z.string().min(1).describe('Question id, the key of the prediction file'),
  question: z.string(),
  answers: z.array(answerSchema),
});

export const squadFileSchema = z.looseObject({
  data: z.array(
    z.looseObject({
      paragraphs: z.array(z.looseObject({ context: z.string(), qas: z.array(qaSchema) })),
    }),
  ),
});

/** A gold answer located in its context: `context.slice(start, start + text.length) === text`. */
export interface SpanAnswer {
  text: string;
  start: number;
}

export interface SpanExample {
  id: string;
  question: string;
  context: string;
  /** Answers with a position, in file order; empty when every answer was dropped. */
  answers: SpanAnswer[];
  /** Every gold answer text as written, for scoring (dropped ones included, as the official scorer). */
  gold: string[];
}

/** One answer whose `answer_start` was wrong: `found` is the fixed offset, null when dropped. */
export interface AnswerRepair {
  id: string;
  text: string;
  given: number;
  found: number | null;
}

export interface SquadSummary {
  file: string;
  questions: number;
  answers: number;
  /** Answers whose `answer_start` was moved to the nearest occurrence of their text. */
  fixed: number;
  /** Answers whose text is not in the context: kept for scoring, not used as a label. */
  dropped: number;
  /** Questions left with no located answer (all their answers dropped, or none given). */
  unlocated: number;
  repairs: AnswerRepair[];
}

/** Offset of the occurrence of `text` in `context` nearest to `given` (the earlier one on a tie); null if absent. */
export function nearestOccurrence(context: string, text: string, given: number): number | null {
  if (text.length === 0) return null;
  let best: number | null = null;
  for (let at = context.indexOf(text); at >= 0; at = context.indexOf(text, at + 1)) {
    if (best === null || Math.abs(at - given) < Math.abs(best - given)) best = at;
  }
  return best;
}

/** A summary with nothing read yet. */
export function emptySummary(file: string): SquadSummary {
  return { file, questions: 0, answers: 0, fixed: 0, dropped: 0, unlocated: 0, repairs: [] };
}

/**
 * One question as an example: its answers located in `context` (misplaced ones moved to the
 * nearest occurrence of their text, absent ones dropped), every repair counted in `summary`.
 */
export function locateExample(
  qa: { id: string; question: string; answers: readonly { text: string; answer_start: number }[] },
  context: string,
  summary: SquadSummary,
): SpanExample {
  const answers: SpanAnswer[] = [];
  for (const { text, answer_start: given } of qa.answers) {
    summary.answers++;
    if (text.length > 0 && context.startsWith(text, given)) {
      answers.push({ text, start: given });
      continue;
    }
    const found = nearestOccurrence(context, text, given);
    summary.repairs.push({ id: qa.id, text, given, found });
    if (found === null) summary.dropped++;
    else {
      summary.fixed++;
      answers.push({ text, start: found });
    }
  }
  summary.questions++;
  if (answers.length === 0) summary.unlocated++;
  return { id: qa.id, question: qa.question, context, answers, gold: qa.answers.map((x) => x.text) };
}

/** Examples and their repair summary from parsed JSON; `file` names the source in errors. */
export function parseSquad(raw: unknown, file: string): { examples: SpanExample[]; summary: SquadSummary } {
  const doc = validate(squadFileSchema, raw, file, DataError);
  const summary = emptySummary(file);
  const examples: SpanExample[] = [];
  const seen = new Map<string, string>();
  doc.data.forEach((article, a) =>
    article.paragraphs.forEach(({ context, qas }, p) =>
      qas.forEach((qa, q) => {
        const where = `data[${a}].paragraphs[${p}].qas[${q}]`;
        const earlier = seen.get(qa.id);
        // The prediction file is keyed by id: a repeated id would make two questions share one answer.
        if (earlier) throw new DataError(`${file}: ${where}.id: ${show(qa.id)} repeats the id of ${earlier}; expected unique question ids`);
        seen.set(qa.id, where);
        examples.push(locateExample(qa, context, summary));
      }),
    ),
  );
  return { examples, summary };
}

/** Reads a SQuAD-style JSON file; DataError naming the file for unreadable or malformed input. */
export function readSquad(file: string): { examples: SpanExample[]; summary: SquadSummary } {
  const text = readText(file);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new DataError(`${file}: not valid JSON (${(e as Error).message}); expected SQuAD v1.1-style JSON`);
  }
  return parseSquad(raw, file);
}

/** The summary as one line for logs: `questions 3219, answers 9657, fixed 190, dropped 10 (…)`. */
export function describeSummary(s: SquadSummary): string {
  return `${s.file}: questions ${s.questions}, answers ${s.answers}, fixed ${s.fixed}, dropped ${s.dropped}, questions without a located answer ${s.unlocated}`;
}
