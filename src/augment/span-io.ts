/**
 * SQuAD-style span-extraction files (CMRC 2018, DRCD) for augmentation. One example is a paragraph:
 * its context (every answer span protected) and its questions are augmented; each answer keeps its
 * text and its `answer_start` is moved by the edits before it. Each output paragraph is an article
 * of its own (with the original title), so the output is one JSON document written record by
 * record: `{"version": …, "data": [` first, articles separated by commas, `]}` last. Augmented
 * questions get the id `<id>#aug<copy>`, so ids stay unique.
 */
import { readText } from '../data/rows.js';
import { DataError } from '../errors.js';
import { nearestOccurrence, parseSquad } from '../tasks/span/index.js';
import type { Dataset, Item } from './dataset.js';
import { applyEdits, mapOffset, type Edit } from './rewrite.js';

interface RawQa {
  id: string;
  question: string;
  answers: { text: string; answer_start: number }[];
  [key: string]: unknown;
}

interface RawParagraph {
  context: string;
  qas: RawQa[];
}

export function spanDataset(file: string): Dataset {
  let raw: { version?: unknown; data: { title?: unknown; paragraphs: RawParagraph[] }[] };
  try {
    raw = JSON.parse(readText(file));
  } catch (e) {
    throw new DataError(`${file}: not valid JSON (${(e as Error).message}); expected SQuAD v1.1-style JSON`);
  }
  parseSquad(raw, file);
  const items: Item[] = [];
  raw.data.forEach((article, a) =>
    article.paragraphs.forEach((p, i) => {
      // Answers where they really are (a wrong answer_start moved to the nearest occurrence, as the reader does).
      const located = p.qas.map((qa) =>
        qa.answers.map((ans) => (p.context.startsWith(ans.text, ans.answer_start) ? ans.answer_start : nearestOccurrence(p.context, ans.text, ans.answer_start))),
      );
      const spans = located.flatMap((qa, q) => qa.flatMap((s, k) => (s === null ? [] : [[s, s + p.qas[q]!.answers[k]!.text.length] as const])));
      items.push({
        source: `${file}: data[${a}].paragraphs[${i}]`,
        texts: [p.context, ...p.qas.map((qa) => qa.question)],
        eligible: (t, start, end) => t > 0 || spans.every(([s, e]) => end <= s || start >= e),
        render: (edits: Edit[][], copy: number, first: boolean) => {
          const paragraph = {
            context: applyEdits(p.context, edits[0]!),
            qas: p.qas.map((qa, q) => ({
              ...qa,
              id: copy === 0 ? qa.id : `${qa.id}#aug${copy}`,
              question: applyEdits(qa.question, edits[q + 1]!),
              answers: qa.answers.map((ans, k) => ({ ...ans, answer_start: mapOffset(located[q]![k] ?? ans.answer_start, edits[0]!) })),
            })),
          };
          const out = article.title === undefined ? { paragraphs: [paragraph] } : { title: article.title, paragraphs: [paragraph] };
          return `${first ? '' : ',\n'}${JSON.stringify(out)}`;
        },
      });
    }),
  );
  return { count: items.length, items: async (from, to) => items.slice(from, to), head: `{"version":${JSON.stringify(raw.version ?? 'v1.1')},"data":[\n`, tail: '\n]}\n' };
}
