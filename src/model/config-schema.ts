
/**
 * Model configuration without file I/O, so browser bundles can parse a config: one zod schema that
 * reads NEZHA-PyTorch / TinyBERT `bert_config.json` and Hugging Face `config.json` objects. Keys
 * outside the schema are errors, except the documented Hugging Face bookkeeping keys in
 * IGNORED_KEYS, which carry nothing the encoder needs. config.ts adds `readModelConfig` (node:fs).
 */
import { z } from 'zod';
import { ConfigError, show } from '../errors.js';
import { validate } from '../util/validate.js';

export const ACTIVATIONS = ['gelu', 'gelu_new', 'relu', 'tanh'] as const;
export const HEADS = ['classification', 'token-classification', 'span', 'mlm', 'pretraining', 'none'] as const;

/** Keys written by Hugging Face / the reference code that do not change the computation. */
export const IGNORED_KEYS = [
  'transformers_version', 'torch_dtype', 'use_cache', 'bos_token_id',
  'eos_token_id', 'gradient_checkpointing', 'output_past', 'directionality', 'tokenizer_class',
  'pooler_fc_size', 'pooler_num_attention_heads', 'pooler_num_fc_layers', 'pooler_size_per_head',
  'pooler_type', 'problem_type', 'pre_trained', 'training', 'fit_size', 'classifier_dropout',
  'position_embedding_type', 'is_decoder', 'add_cross_attention', 'chunk_size_feed_forward',
  'output_attentions', 'output_hidden_states', 'return_dict', 'torchscript', 'finetuning_task',
  'prefix', 'sep_token_id', 'decoder_start_token_id', 'task_specific_params', 'name_or_path',
  '_name_or_path', 'tie_word_embeddings', 'embedding_size',
] as const;

const int = (d: string) => z.number().int().positive().describe(d);
const prob = (d: string) => z.number().min(0).max(1).default(0.1).describe(d);

export const modelConfigSchema = z
  .strictObject({
    model_type: z.enum(['bert', 'nezha']).optional()
      .describe('bert = learned absolute positions; nezha = functional relative positions (default: nezha if use_relative_position)'),
    vocab_size: int('Word-piece vocabulary size (V)'),
    hidden_size: int('Hidden size (C)'),
    num_hidden_layers: int('Transformer layers (L)'),
    num_attention_heads: int('Attention heads per layer (H); must divide hidden_size'),
    intermediate_size: int('Feed-forward inner size'),
    hidden_act: z.string().default('gelu').describe(`Activation: ${ACTIVATIONS.join(', ')} (gelu is the erf form)`),
    hidden_dropout_prob: prob('Dropout on embeddings and sub-layer outputs (training only)'),
    attention_probs_dropout_prob: prob('Dropout on attention probabilities (training only)'),
    max_position_embeddings: int('Absolute position table size (unused by NEZHA attention)').default(512),
    type_vocab_size: int('Token type (segment) vocabulary size').default(2),
    initializer_range: z.number().positive().default(0.02).describe('Std of the normal weight init'),
    layer_norm_eps: z.number().positive().default(1e-12).describe('LayerNorm epsilon inside the sqrt'),
    use_relative_position: z.boolean().optional().describe('NEZHA functional relative positions (no absolute position embeddings)'),
    max_relative_position: int('Clipping distance k of NEZHA relative positions').default(64),
    pad_token_id: z.number().int().min(0).default(0).describe('Padding token id'),
    num_labels: int('Number of output labels of the task head').optional(),
    id2label: z.record(z.string(), z.string()).optional().describe('Label names by index (Hugging Face)'),
    label2id: z.record(z.string(), z.number().int()).optional().describe('Label indices by name (Hugging Face)'),
    architectures: z.array(z.string()).optional().describe('Hugging Face class names, e.g. NezhaForSequenceClassification'),
    head: z.enum(HEADS).optional().describe('Task head; default from architectures, else classification when labels are given'),
    classifier_relu: z.boolean().optional()
      .describe('Apply ReLU to the pooled output before the classifier: true for TinyBERT students (the reference ' +
        'TinyBertForSequenceClassification), false for NEZHA/BERT (BertForSequenceClassification). Without the key: ' +
        'true only for a config with fit_size (a TinyBERT reference file) and a classification head'),
    task_settings: z.record(z.string(), z.number()).optional()
      .describe('The task options the head was trained with that shape inference (max_seq_length; windows and ' +
        'answer decoding: stride, doc_stride, max_query_length, max_answer_length, n_best_size); eval, predict and the ' +
        'browser loader use them as defaults'),
    ...Object.fromEntries(IGNORED_KEYS.map((k) => [k, z.unknown().optional()])),
  })
  .superRefine((c, ctx) => {
    if (c.hidden_size % c.num_attention_heads !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['num_attention_heads'],
        message: `hidden_size ${c.hidden_size} is not divisible by num_attention_heads ${c.num_attention_heads}`,
      });
    }
    if (!(ACTIVATIONS as readonly string[]).includes(c.hidden_act)) {
      ctx.addIssue({ code: 'custom', path: ['hidden_act'], message: `unknown activation ${show(c.hidden_act)}; expected one of ${ACTIVATIONS.join(', ')}` });
    }
    if (c.model_type === 'bert' && c.use_relative_position === true) {
      ctx.addIssue({ code: 'custom', path: ['use_relative_position'], message: 'model_type "bert" has absolute positions; use model_type "nezha" for relative positions' });
    }
    const n = c.id2label ? Object.keys(c.id2label).length : undefined;
    if (n !== undefined && c.num_labels !== undefined && n !== c.num_labels) {
      ctx.addIssue({ code: 'custom', path: ['num_labels'], message: `num_labels ${c.num_labels} disagrees with id2label (${n} labels)` });
    }
  });

export type RawModelConfig = z.input<typeof modelConfigSchema>;

/** The resolved configuration the model code uses: every default filled, derived fields added. */
export interface ModelConfig {
  modelType: 'bert' | 'nezha';
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  headSize: number;
  intermediateSize: number;
  hiddenAct: (typeof ACTIVATIONS)[number];
  hiddenDropout: number;
  attentionDropout: number;
  maxPositions: number;
  typeVocabSize: number;
  initializerRange: number;
  layerNormEps: number;
  relativePositions: boolean;
  maxRelativePosition: number;
  padTokenId: number;
  head: (typeof HEADS)[number];
  numLabels: number;
  labels: string[];
  classifierRelu: boolean;
  /** Whether `classifierRelu` was stated by the config's `classifier_relu` or decided by the rule for configs without it. */
  classifierReluFrom: 'config' | 'default';
  /** Inference-shaping task options the head was trained with (config.json `task_settings`); see tasks/settings.ts. */
  taskSettings?: Record<string, number>;
}

const HEAD_BY_ARCHITECTURE: [RegExp, ModelConfig['head']][] = [
  [/ForSequenceClassification$/, 'classification'],
  [/ForTokenClassification$/, 'token-classification'],
  [/ForQuestionAnswering$/, 'span'],
  [/ForMaskedLM$/, 'mlm'],
  [/ForPreTraining$/, 'pretraining'],
  [/Model$/, 'none'],
];

/** Validates a parsed config object; `source` names the file in error messages. */
export function parseModelConfig(raw: unknown, source = 'config'): ModelConfig {
  const c = validate(modelConfigSchema, raw, source, ConfigError);
  const relative = c.use_relative_position ?? c.model_type === 'nezha';
  const labelsFromMap = c.id2label
    ? Object.entries(c.id2label).sort((a, b) => Number(a[0]) - Number(b[0])).map(([, v]) => v)
    : undefined;
  const numLabels = c.num_labels ?? labelsFromMap?.length ?? 2;
  const fromArch = c.architectures?.length
    ? HEAD_BY_ARCHITECTURE.find(([re]) => re.test(c.architectures![0]))?.[1]
    : undefined;
  const head = c.head ?? fromArch ?? (c.num_labels !== undefined || c.id2label ? 'classification' : 'none');
  return {
    modelType: c.model_type ?? (relative ? 'nezha' : 'bert'),
    vocabSize: c.vocab_size,
    hiddenSize: c.hidden_size,
    numLayers: c.num_hidden_layers,
    numHeads: c.num_attention_heads,
    headSize: c.hidden_size / c.num_attention_heads,
    intermediateSize: c.intermediate_size,
    hiddenAct: c.hidden_act as ModelConfig['hiddenAct'],
    hiddenDropout: c.hidden_dropout_prob,
    attentionDropout: c.attention_probs_dropout_prob,
    maxPositions: c.max_position_embeddings,
    typeVocabSize: c.type_vocab_size,
    initializerRange: c.initializer_range,
    layerNormEps: c.layer_norm_eps,
    relativePositions: relative,
    maxRelativePosition: c.max_relative_position,
    padTokenId: c.pad_token_id,
    head,
    numLabels,
    labels: labelsFromMap ?? Array.from({ length: numLabels }, (_, i) => `LABEL_${i}`),
    // TinyBERT's reference classifier reads relu(pooled); its config files carry `fit_size`.
    classifierRelu: c.classifier_relu ?? ((c as Record<string, unknown>).fit_size !== undefined && head === 'classification'),
    classifierReluFrom: c.classifier_relu === undefined ? 'default' : 'config',
    ...(c.task_settings ? { taskSettings: c.task_settings } : {}),
  };
}

/** One line saying whether the classifier reads relu(pooled) and why, for `inspect` and the run log. */
export function describeClassifierRelu(c: ModelConfig): string {
  const what = c.classifierRelu ? 'classifier(relu(pooled)), as TinyBertForSequenceClassification' : 'classifier(pooled), as BertForSequenceClassification';
  const why = c.classifierReluFrom === 'config'
    ? `classifier_relu: ${c.classifierRelu} in the config`
    : 'the config has no classifier_relu key; the default applies ReLU only to configs with fit_size and a classification head';
  return `${what} (${why})`;
}

/** Hugging Face class name for a config, used in saved `architectures`. */
export function architectureName(c: ModelConfig): string {
  const base = c.modelType === 'nezha' ? 'Nezha' : 'Bert';
  const suffix: Record<ModelConfig['head'], string> = {
    classification: 'ForSequenceClassification',
    'token-classification': 'ForTokenClassification',
    span: 'ForQuestionAnswering',
    mlm: 'ForMaskedLM',
    pretraining: 'ForPreTraining',
    none: 'Model',
  };
  return base + suffix[c.head];
}

/** The config as a Hugging Face `config.json` object (also readable by tinybert). */
export function toHfConfig(c: ModelConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    architectures: [architectureName(c)],
    model_type: c.modelType,
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    intermediate_size: c.intermediateSize,
    hidden_act: c.hiddenAct,
    hidden_dropout_prob: c.hiddenDropout,
    attention_probs_dropout_prob: c.attentionDropout,
    max_position_embeddings: c.maxPositions,
    type_vocab_size: c.typeVocabSize,
    initializer_range: c.initializerRange,
    layer_norm_eps: c.layerNormEps,
    pad_token_id: c.padTokenId,
  };
  if (c.modelType === 'nezha') {
    out.use_relative_position = c.relativePositions;
    out.max_relative_position = c.maxRelativePosition;
  }
  if (c.head !== 'none' && c.head !== 'mlm' && c.head !== 'pretraining') {
    out.num_labels = c.numLabels;
    out.id2label = Object.fromEntries(c.labels.map((l, i) => [String(i), l]));
    out.label2id = Object.fromEntries(c.labels.map((l, i) => [l, i]));
    if (c.taskSettings) out.task_settings = c.taskSettings;
  }
  out.head = c.head;
  if (c.classifierRelu) out.classifier_relu = true;
  return out;
}
