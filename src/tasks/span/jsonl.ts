/**
 * Questions as JSON lines, what `predict` reads (and `eval`, when answers are given):
 *
 *   {"id": "q1", "question": "…", "context": "…", "answers": [{"text": "…", "answer_start": 3}]}
 *
 * `id` is optional: without it a question is named by its 1-based record number. `answers` is
 * optional: a question without answers can be predicted, and scores 0 if evaluated. Answers are
 * located as in SQuAD files (misplaced ones fixed or dropped, and counted). A file whose first
 * character is `[` is one JSON array of such objects.
 */
import { z } from 'zod';
import { DataError, show } from '../../errors.js';
import { jsonlRows, readText } from '../../data/rows.js';
import { validate } from '../../util/validate.js';
import { answerSchema, emptySummary, locateExample, type SpanExample, type SquadSummary } from './squad.js';

const questionSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number().int()]).optional().describe('question id, the key of the prediction file; default the record number'),
  question: z.string().describe('the question'),
  context: z.string().describe('the text the answer is taken from'),
  answers: z.array(answerSchema).optional().describe('gold answers, for evaluation'),
});

export function readQuestionLines(file: string): { examples: SpanExample[]; summary: SquadSummary } {
  const summary = emptySummary(file);
  const seen = new Map<string, string>();
  const examples = jsonlRows(file, readText(file)).map(({ cells, source }, i) => {
    const q = validate(questionSchema, cells, source, DataError);
    const id = q.id === undefined ? String(i + 1) : String(q.id);
    const earlier = seen.get(id);
    // The prediction file is keyed by id: a repeated id would make two questions share one answer.
    if (earlier) throw new DataError(`${source}: id ${show(id)} repeats the id of ${earlier}; expected unique question ids`);
    seen.set(id, source);
    return locateExample({ id, question: q.question, answers: q.answers ?? [] }, q.context, summary);
  });
  return { examples, summary };
}
