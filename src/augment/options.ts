/**
 * The options of one augmentation run, resolved: every default lives here (the paper's p = 0.4,
 * 20 copies, 15 candidates). `tinybert augment` and a recipe stage both build this object.
 */
import { z } from 'zod';
import { columnSchema, dataFormatSchema } from '../data/index.js';
import { nerFormatSchema } from '../tasks/token-classification/index.js';

export const augmentKindSchema = z
  .enum(['classification', 'token-classification', 'span'])
  .describe('classification: single or pair texts in tsv/csv/jsonl; token-classification: NER files; span: SQuAD-style JSON');
export type AugmentKind = z.infer<typeof augmentKindSchema>;

export const shardSchema = z
  .strictObject({
    index: z.number().int().min(0).describe('0-based shard number'),
    count: z.number().int().min(1).describe('number of shards'),
  })
  .refine((s) => s.index < s.count, { message: 'shard index must be below the shard count' })
  .describe('which contiguous block of chunks this process augments');
export type Shard = z.infer<typeof shardSchema>;

export const guardRuleSchema = z
  .union([z.literal('agree'), z.strictObject({ confidence: z.number().gt(0).lte(1).describe('least probability of the original label') })])
  .describe('agree: the guard model predicts the original label; {confidence: τ}: it gives the label probability ≥ τ');

/** The formats each kind reads and writes back: `tinybert eval`'s `--format` choices for that kind (augment reads span data as SQuAD JSON only). */
export const AUGMENT_FORMATS = {
  classification: dataFormatSchema.options,
  'token-classification': nerFormatSchema.options,
  span: ['squad'],
} as const satisfies Record<AugmentKind, readonly string[]>;
type AugmentFormat = (typeof AUGMENT_FORMATS)[AugmentKind][number];

export const augmentOptionsSchema = z
  .strictObject({
    model: z.string().min(1).describe('Model directory with a masked-LM head (mlm or pretraining): the pre-trained teacher, not the fine-tuned one'),
    data: z.string().min(1).describe('Data file to augment'),
    out: z.string().min(1).describe('Output file, in the input\'s format; sidecars beside it'),
    kind: augmentKindSchema.default('classification'),
    format: z
      .enum([...new Set(Object.values(AUGMENT_FORMATS).flat())] as [AugmentFormat, ...AugmentFormat[]])
      .optional()
      .describe('file format, one the kind reads: tsv, csv, jsonl (classification; default from the extension, else tsv); conll, jsonl, ernie, bmes (token-classification; default from the extension); squad (span)'),
    header: z.boolean().default(false).describe('tsv/csv: the first row names the columns (kept in the output)'),
    textA: columnSchema.optional().describe('column of the first text (default text_a / 0)'),
    textB: columnSchema.optional().describe('column of the second text of a pair'),
    label: columnSchema.optional().describe('column of the label (read for the guard and skipLabels only)'),
    labels: z.array(z.string()).optional().describe('class names in class-id order as the file writes them (default: the guard model\'s id2label)'),
    skipLabels: z.array(z.string()).default([]).describe('rows with one of these labels are written once, not augmented'),
    labelAliases: z.record(z.string(), z.string()).default({}).describe('a label written differently in the file, mapped to one of labels'),
    copies: z.number().int().min(0).default(20).describe('augmented copies drawn per example (before duplicates are dropped)'),
    seed: z.number().int().default(0).describe('seed; example i draws from the stream (seed, i)'),
    shard: shardSchema.default({ index: 0, count: 1 }),
    p: z.number().min(0).max(1).default(0.4).describe('probability of replacing each unit that has candidates'),
    candidates: z.number().int().min(1).default(15).describe('candidates per unit (masked-LM top k, or word-vector neighbours)'),
    wholeWord: z.boolean().default(false).describe('replace whole Chinese words (jieba) instead of single characters'),
    wordVectors: z.string().optional().describe('GloVe / word2vec text file: neighbours for multi-piece words (and whole words it has)'),
    stopWords: z.string().optional().describe('file of words never replaced, one a line'),
    guardModel: z.string().optional().describe('fine-tuned classifier: keep an augmented copy only if it passes the guard rule'),
    guard: guardRuleSchema.default('agree'),
    masksPerRow: z.number().int().min(1).default(8).describe('units masked together in one masked-LM row (1: the reference\'s one per row)'),
    batchSize: z.number().int().min(1).default(32).describe('rows per forward pass'),
    maxSeqLength: z.number().int().min(32).default(128).describe('tokens per row; longer texts are windowed'),
    chunk: z.number().int().min(1).default(64).describe('examples read, augmented and written together (the unit of progress and of shards)'),
    resume: z.boolean().default(false).describe('continue an unfinished run on the same output'),
    overwrite: z.boolean().default(false).describe('replace an output this command wrote before'),
  })
  .superRefine((o, ctx) => {
    const formats: readonly string[] = AUGMENT_FORMATS[o.kind];
    if (o.format !== undefined && !formats.includes(o.format)) {
      ctx.addIssue({ code: 'custom', path: ['format'], message: `${o.kind} files are ${formats.join(' | ')}, saw ${JSON.stringify(o.format)}` });
    }
  });
export type AugmentOptions = z.input<typeof augmentOptionsSchema>;
export type ResolvedAugmentOptions = z.output<typeof augmentOptionsSchema>;

/** Options that do not change the output bytes, so `--resume` may differ in them. */
export const RESUME_FREE: readonly (keyof ResolvedAugmentOptions)[] = ['resume', 'overwrite'];
