/**
 * One stage of a recipe's pipeline. The schema is flat (every kind shares one field list) so that
 * `--set` paths and error messages look the same for every kind; what each kind requires or forbids
 * is checked in `superRefine`, with messages naming the field. Defaults that depend on the kind or
 * on the task (losses, head, metric, sequence length) are filled by the recipe schema, which sees both.
 */
import { z } from 'zod';
import { OPTIMIZERS, type bertAdamOptionsSchema } from '../train/optimizer.js';
import {
  attentionHeadsSchema,
  INTERMEDIATE_LOSSES,
  lossNameSchema,
  optimizerNameSchema,
  projectionChoiceSchema,
  scheduleSchema,
  semanticsSchema,
} from './enums.js';
import { isReservedStageName, RESERVED_STAGE_NAMES } from './run-files.js';
import { guardRuleSchema } from '../augment/options.js';

export const stageKindSchema = z
  .enum(['pretrain', 'finetune', 'general', 'augment', 'task-intermediate', 'task-prediction'])
  .describe(
    'pretrain: masked-LM pre-training of one model on a corpus (a teacher from scratch, when no pre-trained weights exist); ' +
      'finetune: train one model on labels; general: intermediate-layer distillation on a corpus; ' +
      'augment: TinyBERT data augmentation of a task\'s train file, written as a new task later stages name; ' +
      'task-intermediate / task-prediction: task-specific distillation of intermediate layers / of predictions',
  );
export type StageKind = z.infer<typeof stageKindSchema>;

const layer = z.number().int().min(0);

/** `[student, teacher]` or `{student, teacher}`; both are normalised to the object form. */
export const layerPairSchema = z
  .union([z.tuple([layer, layer]), z.strictObject({ student: layer, teacher: layer })])
  .transform((p) => (Array.isArray(p) ? { student: p[0], teacher: p[1] } : p))
  .describe('a student layer and the teacher layer it learns from, 0-based');
export type LayerPair = z.infer<typeof layerPairSchema>;

const featureMappingSchema = z.union([z.literal('uniform'), z.array(layerPairSchema).min(1)]);

export const mappingSchema = z
  .union([
    z.literal('uniform'),
    z.strictObject({
      attention: featureMappingSchema
        .default('uniform')
        .describe('attention pairs index Transformer layers: student 0..M-1, teacher 0..N-1'),
      hidden: featureMappingSchema
        .default('uniform')
        .describe('hidden pairs index hidden states: 0 = embedding output, m = output of layer m'),
    }),
  ])
  .transform((m) => (m === 'uniform' ? { attention: 'uniform' as const, hidden: 'uniform' as const } : m))
  .describe('layer mapping: "uniform" (student m <- teacher m*N/M, the reference) or explicit pairs per feature');
export type Mapping = z.infer<typeof mappingSchema>;

export const lossWeightsSchema = z
  .union([
    z.array(lossNameSchema).min(1),
    z.partialRecord(lossNameSchema, z.number().min(0).describe('weight of this loss term')),
  ])
  .describe('loss terms and their weights; a list means weight 1 each');

/**
 * Option names are the optimizer registry's (src/train/optimizer.ts), so `optimizer` minus
 * `name` and `lr` passes straight to `createOptimizer`. Omitted options take the chosen
 * optimizer's own defaults (AdamW's eps is torch's 1e-8, BertAdam's and LAMB's 1e-6).
 */
export const optimizerSchema = z
  .strictObject({
    name: optimizerNameSchema.default('bertadam').describe('bertadam (reference), adamw or lamb (large batches)'),
    lr: z.number().positive().default(5e-5).describe('peak learning rate'),
    b1: z.number().min(0).lt(1).optional().describe('first-moment decay (default 0.9)'),
    b2: z.number().min(0).lt(1).optional().describe('second-moment decay (default 0.999)'),
    eps: z.number().positive().optional().describe('Adam epsilon (default 1e-6; adamw 1e-8)'),
    max_grad_norm: z.number().optional().describe('gradient clipping (bertadam: per tensor, others: global); <= 0 disables (default 1)'),
    weight_decay: z.number().min(0).optional().describe('decoupled weight decay (default 0.01)'),
    no_decay: z.array(z.string()).optional().describe('parameters whose name contains one of these get no decay (default bias, LayerNorm)'),
  })
  .transform(({ name, lr, ...options }) => ({ name, lr, ...optimizerOptions(name, options) }))
  .describe('optimizer');
export type OptimizerConfig = z.infer<typeof optimizerSchema>;

/** The schedule registry's schema (src/train/schedule.ts): `{ name, warmup }`. */
export type ScheduleConfig = z.infer<typeof scheduleSchema>;

export const evalSchema = z
  .strictObject({
    every: z.number().int().min(0).default(0).describe('evaluate on the dev set every N optimizer steps (0: at stage end only)'),
    metric: z
      .string()
      .min(1)
      .optional()
      .describe(
        'metric that picks the best checkpoint, one the task reports: classification accuracy (default), f1, f1_macro, mcc; ' +
          'regression pearson (default), spearman; token classification f1 (default), precision, recall, accuracy',
      ),
  })
  .describe('evaluation on the task\'s dev file; the best checkpoint by metric is kept');

export const stageInputSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a stage name is letters, digits, ".", "_" or "-" (it names a folder)')
      .refine((n) => !isReservedStageName(n), `names a file tinybert writes in the run folder (${RESERVED_STAGE_NAMES.join(', ')}); choose another stage name`)
      .describe('unique stage name; its outputs go to <output_dir>/<name>'),
    kind: stageKindSchema,
    train: z.string().min(1).optional().describe('pretrain / finetune: the model slot trained (its output replaces the slot)'),
    teacher: z.string().min(1).optional().describe('distillation: the teacher model slot'),
    student: z.string().min(1).optional().describe('distillation: the student model slot (its output replaces the slot)'),
    task: z.string().min(1).optional().describe('finetune, augment and task stages: name of a task under tasks (or an earlier augment stage\'s output)'),
    model: z
      .string()
      .min(1)
      .optional()
      .describe('augment: the model slot whose masked-LM head proposes replacements: the pre-trained teacher (a directory with an mlm or pretraining head), not the fine-tuned one'),
    output: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a task name is letters, digits, ".", "_" or "-"')
      .optional()
      .describe('augment: name of the task it writes: the source task with train replaced by <output_dir>/<stage>/train.<ext> (dev unchanged)'),
    copies: z.number().int().min(0).optional().describe('augment: augmented copies drawn per example, before duplicates are dropped (default 20)'),
    p: z.number().min(0).max(1).optional().describe('augment: probability of replacing each unit that has candidates (default 0.4)'),
    candidates: z.number().int().min(1).optional().describe('augment: candidates per unit, masked-LM top k or word-vector neighbours (default 15)'),
    whole_word: z.boolean().optional().describe('augment: replace whole Chinese words (jieba) instead of single characters (default false)'),
    word_vectors: z.string().min(1).optional().describe('augment: GloVe / word2vec text file of neighbours for multi-piece words'),
    stop_words: z.string().min(1).optional().describe('augment: file of words never replaced, one a line'),
    guard: z
      .strictObject({
        model: z.string().min(1).describe('the model slot of the fine-tuned classifier that scores each augmented copy'),
        rule: guardRuleSchema.optional().describe('agree (default) or {confidence: τ}'),
      })
      .optional()
      .describe('augment (classification): keep an augmented copy only if the fine-tuned teacher agrees with its label'),
    corpus: z.string().min(1).optional().describe('pretrain and general stages: name of a corpus under corpus'),
    mlm_probability: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.15)
      .describe('pretrain: fraction of tokens masked (BERT: 0.15; of those 80% [MASK], 10% random, 10% kept)'),
    masking: z
      .enum(['token', 'whole-word', 'span'])
      .default('token')
      .describe(
        'pretrain: what is masked as one unit: token (BERT), whole-word (every piece of a word segmented by jieba, as NEZHA-WWM) ' +
          'or span (SpanBERT: runs of whole words, length ~ geometric p = 0.2 truncated at 10, mean 3.8)',
      ),
    epochs: z.number().positive().optional().describe('passes over the data (default 3 unless steps is set)'),
    steps: z.number().int().positive().optional().describe('optimizer steps, instead of epochs'),
    batch_size: z.number().int().positive().default(32).describe('examples per forward pass'),
    grad_accum: z.number().int().positive().default(1).describe('forward passes accumulated per optimizer step'),
    max_seq_length: z.number().int().min(3).optional().describe('overrides the task\'s or corpus\'s max_seq_length'),
    dynamic_padding: z
      .boolean()
      .default(true)
      .describe('pad each batch to its longest example, with length bucketing; false = fixed padding (reference)'),
    losses: lossWeightsSchema.optional(),
    semantics: semanticsSchema.default('reference'),
    temperature: z.number().positive().default(1).describe('prediction-loss temperature'),
    t_squared: z.boolean().default(false).describe('masked semantics: multiply the prediction loss by T^2'),
    teacher_cache: z
      .enum(['auto', 'off'])
      .default('auto')
      .describe(
        'task-prediction: auto runs the teacher once (eval mode) over the training data and reads its cached logits every epoch ' +
          'when the losses are prediction (and hard) only and the stage reads more than one epoch; the cache is <output_dir>/<stage>/teacher-cache. off: run the teacher every step',
      ),
    mapping: mappingSchema.prefault('uniform'),
    attention_heads: attentionHeadsSchema.default('match'),
    projection: projectionChoiceSchema
      .default('auto')
      .describe(
        'student->teacher hidden projection: auto (what the student checkpoint holds: fit_denses.N per-layer, fit_dense shared; ' +
          'shared when it holds none), shared (one matrix, the reference fit_dense) or per-layer (one per hidden state)',
      ),
    optimizer: optimizerSchema.prefault({}),
    schedule: scheduleSchema.prefault({}).describe('learning-rate schedule'),
    eval: evalSchema.optional(),
    checkpoint_every: z.number().int().min(0).default(0).describe('checkpoint every N optimizer steps (0: at stage end only)'),
    log_every: z.number().int().positive().default(10).describe('log loss terms every N optimizer steps'),
    head: z
      .enum(['classification', 'token-classification', 'span', 'none'])
      .optional()
      .describe('task head on the trained model; default: the head of the task\'s type, none for general stages'),
    num_labels: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('classifier outputs; defaults to the task\'s label count (1 for regression; from the train file when the task lists none), 0 without a head'),
  })
  .superRefine((s, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const a = s.kind === 'augment' ? 'an' : 'a';
    const need = (field: 'train' | 'teacher' | 'student' | 'task' | 'corpus' | 'model' | 'output', why: string) => {
      if (s[field] === undefined) issue(field, `${a} ${s.kind} stage needs ${field}: ${why}`);
    };
    const forbid = (field: 'train' | 'teacher' | 'student' | 'task' | 'corpus' | 'eval' | 'model' | 'output', why: string) => {
      if (s[field] !== undefined) issue(field, `${a} ${s.kind} stage takes no ${field}: ${why}`);
    };
    const losses = s.losses === undefined ? [] : Array.isArray(s.losses) ? s.losses : Object.keys(s.losses);
    if (s.kind === 'pretrain') {
      need('train', 'the model slot to pre-train');
      need('corpus', 'the plain-text corpus to pre-train on');
      forbid('teacher', 'pretrain trains one model with the masked-LM loss');
      forbid('student', 'pretrain names the model it trains with train:');
      forbid('task', 'pretrain reads a corpus; use finetune for labelled data');
      forbid('eval', 'pretrain has no labelled dev set');
      const bad = losses.filter((l) => l !== 'hard');
      if (bad.length) issue('losses', `a pretrain stage has no teacher: only the hard (masked-LM) loss applies; remove ${bad.join(', ')}`);
      if (s.head !== undefined && s.head !== 'none') issue('head', 'a pretrain stage trains the masked-LM head; remove head');
    } else if (s.kind === 'finetune') {
      need('train', 'the model slot to train');
      need('task', 'the labelled task to train on');
      forbid('teacher', 'finetune trains one model on labels; use a task-* stage to distil');
      forbid('student', 'finetune names the model it trains with train:');
      forbid('corpus', 'finetune needs labels; use a general stage for a corpus');
      const bad = losses.filter((l) => l !== 'hard');
      if (bad.length) issue('losses', `a finetune stage has no teacher, so only the hard loss applies; remove ${bad.join(', ')}`);
    } else if (s.kind === 'augment') {
      need('model', 'the model slot whose masked-LM head proposes replacements (the pre-trained teacher)');
      need('task', 'the task whose train file is augmented');
      need('output', 'the name of the augmented task later stages train on, e.g. output: chnsenticorp-aug');
      forbid('train', 'augment trains no model; name the masked-LM model with model:');
      forbid('teacher', 'augment names its masked-LM model with model: and the label guard with guard: {model: ...}');
      forbid('student', 'augment trains no model');
      forbid('corpus', 'augment rewrites a task\'s train file');
      forbid('eval', 'augment trains no model to evaluate');
      // The resolved recipe holds losses: {} and head: none, so a saved recipe loads back.
      if (losses.length) issue('losses', `an augment stage trains no model; remove losses`);
      if (s.head !== undefined && s.head !== 'none') issue('head', 'an augment stage trains no model; remove head');
    } else {
      need('teacher', 'the teacher model slot');
      need('student', 'the student model slot');
      forbid('train', 'distillation stages name teacher: and student:');
      if (s.teacher !== undefined && s.teacher === s.student) issue('student', `teacher and student are both slot "${s.teacher}"`);
    }
    if (s.kind === 'general') {
      need('corpus', 'the plain-text corpus to distil on');
      forbid('task', 'general distillation uses a corpus; use task-intermediate for task data');
      forbid('eval', 'a general stage has no labels to evaluate');
      const bad = losses.filter((l) => !INTERMEDIATE_LOSSES.includes(l as never));
      if (bad.length) issue('losses', `general distillation has no labels or task head: only ${INTERMEDIATE_LOSSES.join(', ')} apply, not ${bad.join(', ')}`);
      if (s.head !== undefined && s.head !== 'none') issue('head', 'a general stage trains no task head; remove head');
      if (s.num_labels) issue('num_labels', 'a general stage trains no task head; remove num_labels');
    }
    if (s.kind === 'task-intermediate' || s.kind === 'task-prediction') {
      need('task', 'the labelled task data');
      forbid('corpus', 'task stages read task data; use a general stage for a corpus');
    }
    if (s.kind === 'task-intermediate') {
      // Its classifier head is not trained here: a dev metric would rank checkpoints by chance.
      forbid('eval', 'intermediate layers are distilled, the task head stays untrained, so a dev metric says nothing; the stage hands on its last model (as the reference does)');
    }
    if (s.kind !== 'augment' && s.losses !== undefined && !Array.isArray(s.losses) && !Object.values(s.losses).some((w) => w !== undefined && w > 0)) {
      issue('losses', `a stage needs at least one loss term with a weight > 0, saw ${JSON.stringify(s.losses)}`);
    }
    if (s.kind === 'task-intermediate' && s.losses !== undefined && !losses.some((l) => INTERMEDIATE_LOSSES.includes(l as never))) {
      issue('losses', `a task-intermediate stage needs one of ${INTERMEDIATE_LOSSES.join(', ')}; for predictions only use kind: task-prediction`);
    }
    if (s.kind === 'task-prediction' && s.losses !== undefined && !losses.includes('prediction')) {
      issue('losses', 'a task-prediction stage needs the prediction loss');
    }
    if (s.kind !== 'general' && s.kind !== 'pretrain' && s.kind !== 'augment' && s.head === 'none') issue('head', `a ${s.kind} stage trains a task head; head cannot be none`);
    if (s.kind !== 'augment') {
      forbid('model', 'only an augment stage names a masked-LM model slot with model:');
      forbid('output', 'only an augment stage writes a new task');
      for (const f of ['copies', 'p', 'candidates', 'whole_word', 'word_vectors', 'stop_words', 'guard'] as const) {
        if (s[f] !== undefined) issue(f, `${f} is an augment option; a ${s.kind} stage takes none`);
      }
    }
    if (s.kind !== 'task-prediction' && s.teacher_cache !== 'auto') issue('teacher_cache', `only a task-prediction stage caches its teacher's logits; remove teacher_cache: ${s.teacher_cache}`);
    if (s.kind !== 'pretrain' && s.masking !== 'token') issue('masking', `only a pretrain stage masks its input; remove masking: ${s.masking}`);
    if (s.epochs !== undefined && s.steps !== undefined) issue('steps', 'give either epochs or steps, not both');
    if (s.t_squared && s.semantics === 'reference') issue('t_squared', 'the reference semantics has no T^2 factor; use semantics: masked');
  })
  .describe('one stage of the pipeline');
export type StageInput = z.infer<typeof stageInputSchema>;

/** Default loss weights per kind: the reference's choice for each TinyBERT stage. */
export function defaultLosses(kind: StageKind): Partial<Record<z.infer<typeof lossNameSchema>, number>> {
  switch (kind) {
    case 'pretrain':
    case 'finetune':
      return { hard: 1 };
    case 'general':
    case 'task-intermediate':
      return { embedding: 1, hidden: 1, attention: 1 };
    case 'task-prediction':
      return { prediction: 1 };
    case 'augment':
      return {};
  }
}

type OptimizerOptions = z.output<typeof bertAdamOptionsSchema>;

/**
 * The chosen optimizer's options with its own defaults filled, from its registry schema (every
 * optimizer shares these option names; only defaults differ).
 */
function optimizerOptions(name: z.infer<typeof optimizerNameSchema>, given: Record<string, unknown>): OptimizerOptions {
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  return OPTIMIZERS[name].options.parse(defined) as OptimizerOptions;
}
