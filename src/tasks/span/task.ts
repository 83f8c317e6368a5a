/**
 * The `tasks:` entry of a span-extraction task and the reading of its files: the schema the
 * TaskModule registry exposes, with every default here and nowhere downstream. Window and decoding
 * settings are `run_squad.py`'s flags (spanOptionsSchema); max_seq_length defaults to its 384.
 */
import { z } from 'zod';
import { warnData } from '../../data/rows.js';
import { readQuestionLines } from './jsonl.js';
import { spanOptionsSchema } from './options.js';
import { describeSummary, readSquad, type SpanExample, type SquadSummary } from './squad.js';

const pathSchema = z.string().min(1);

export const spanFormatSchema = z
  .enum(['squad', 'jsonl'])
  .describe('squad: SQuAD v1.1-style JSON (CMRC 2018, DRCD); jsonl: one {id, question, context[, answers]} object per line');
export type SpanFormat = z.infer<typeof spanFormatSchema>;

/** The format a file name implies: `.json` is SQuAD-style JSON, `.jsonl` JSON lines; undefined otherwise. */
export function spanFormatFromPath(path: string): SpanFormat | undefined {
  if (/\.jsonl$/i.test(path)) return 'jsonl';
  if (/\.json$/i.test(path)) return 'squad';
  return undefined;
}

export const spanTaskSchema = z
  .strictObject({
    type: z.literal('span').describe('span extraction (reading comprehension): the answer is a piece of the context'),
    format: spanFormatSchema.optional().describe('file format; inferred from the train file name when omitted (.json squad, .jsonl jsonl)'),
    train: pathSchema.describe('training file'),
    dev: pathSchema.optional().describe('development file, used by evaluation'),
    test: pathSchema.optional().describe('test file'),
    max_seq_length: z
      .number()
      .int()
      .min(3)
      .default(384)
      .describe('positions per window: [CLS] question [SEP] context [SEP] and padding (run_squad.py: 384)'),
    ...spanOptionsSchema.shape,
  })
  .superRefine((t, ctx) => {
    if (!t.format && !spanFormatFromPath(t.train)) {
      ctx.addIssue({ code: 'custom', path: ['format'], message: `cannot infer the format from train "${t.train}"; set format: squad or jsonl` });
    }
    // run_squad.py's validate_flags_or_throw: a window must hold the question, 3 specials and some context.
    if (t.max_seq_length <= t.max_query_length + 3) {
      ctx.addIssue({
        code: 'custom',
        path: ['max_seq_length'],
        message: `max_seq_length ${t.max_seq_length} leaves no room for context after max_query_length ${t.max_query_length} + 3 specials; expected more than ${t.max_query_length + 3}`,
      });
    }
  })
  .transform((t) => ({ ...t, format: t.format ?? spanFormatFromPath(t.train)! }))
  .describe('a span-extraction (reading comprehension) dataset');
export type SpanTask = z.infer<typeof spanTaskSchema>;

/** Repairs listed in a warning, at most. */
const REPAIRS_SHOWN = 3;

/** One line naming how many answers were moved or dropped, with the first few; undefined when none were. */
export function repairWarning(s: SquadSummary): string | undefined {
  if (s.repairs.length === 0) return undefined;
  const shown = s.repairs
    .slice(0, REPAIRS_SHOWN)
    .map((r) => `${r.id} ${JSON.stringify(r.text)} at ${r.given} ${r.found === null ? 'not in the context' : `found at ${r.found}`}`);
  const more = s.repairs.length > REPAIRS_SHOWN ? `, and ${s.repairs.length - REPAIRS_SHOWN} more` : '';
  return `${describeSummary(s)}: answer_start moved to the nearest occurrence of the text (fixed) or the text is not in the context (dropped: scored, not trained on): ${shown.join('; ')}${more}`;
}

const READERS: Record<SpanFormat, (file: string) => { examples: SpanExample[]; summary: SquadSummary }> = {
  squad: readSquad,
  jsonl: readQuestionLines,
};

/** The questions of one of the task's files; fixed and dropped answers are reported as a data warning. */
export function readSpanFile(file: string, format: SpanFormat): { examples: SpanExample[]; summary: SquadSummary } {
  const read = READERS[format](file);
  const warning = repairWarning(read.summary);
  if (warning) warnData(warning);
  return read;
}
