/**
 * Span-extraction settings a `tasks:` entry adds to the common ones (max_seq_length lives there).
 * Defaults are Google BERT's `run_squad.py` flags, which CMRC 2018's baseline uses too.
 */
import { z } from 'zod';

export const spanOptionsSchema = z.strictObject({
  doc_stride: z.number().int().min(1).default(128).describe('context tokens between the starts of consecutive windows'),
  max_query_length: z.number().int().min(1).default(64).describe('question tokens kept; longer questions are truncated'),
  max_answer_length: z.number().int().min(1).default(30).describe('longest answer, in tokens, decoding may return'),
  n_best_size: z.number().int().min(1).default(20).describe('start and end candidates per window, and answers kept per question'),
});

export type SpanOptions = z.output<typeof spanOptionsSchema>;
