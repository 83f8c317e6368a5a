/**
 * What a task kind provides, so the stage runner, `eval`, `predict`, export and the browser loader
 * go through one interface with no per-kind branch (issue 10). The modules (`classification`,
 * `token-classification`, `span`) implement it, and the registry (registry.ts) maps each `tasks:`
 * entry's `type` to its module, so adding a kind is one module and one registry line.
 *
 * The flow of one kind, with its type parameters:
 *   Config   the `tasks:` entry after zod (`schema`), defaults filled in; nothing downstream re-defaults.
 *   Example  one labelled or unlabelled input as read from a file (`read`), e.g. a sentence with tags.
 *   Feature  model inputs of one window of one example (`features`); an example may give several.
 *   Output   the user-facing prediction of one example (`decode`), e.g. entities with offsets.
 *
 * Training reads train examples → features → batches (`collate`) → the head's logits → `hardLoss`
 * or `distillLoss`; evaluation and prediction run the one inference path (infer.ts): features →
 * eval-mode forward → per-window logits → `decode` → `score` / `predictionFile`.
 */
import type { z } from 'zod';
import type { Tensor, tf } from '../backend/tf.js';
import type { SettingNames } from '../data/classification.js';
import type { Column } from '../data/format.js';
import type { Semantics } from '../distill/losses.js';
import type { ModelConfig } from '../model/config.js';
import type { BertTokenizer } from '../tokenizer/index.js';

/** Padded inputs of a batch, as the model's forward takes them. */
export interface Batch {
  inputIds: Tensor; // [B, T] int32
  tokenTypeIds: Tensor; // [B, T] int32
  attentionMask: Tensor; // [B, T] int32
  /** Hard labels in the kind's layout (token classification [B, T] with IGNORE_INDEX; span [B, 2]; classification [B]). */
  labels?: Tensor;
  /** [B, T] float 1/0: the positions the prediction-layer target reads, labels or not (token classification: first pieces). */
  scoreMask?: Tensor;
}

/** What a module needs to make features: the resolved config and the tokenizer of the model. */
export interface FeatureContext<Config> {
  config: Config;
  tokenizer: BertTokenizer;
  /** Label list (from the config or the training data), index = label id. */
  labels: readonly string[];
  /** Positions per feature including [CLS] and [SEP]: the stage's resolved max_seq_length. */
  maxSeqLength: number;
}

/** How features become one batch: padded to `seqLen` (fixed padding) or to the longest feature. */
export interface CollateContext<Config> {
  config: Config;
  padId: number;
  seqLen?: number;
}

/** The stage settings the prediction-layer target reads (the resolved recipe's values). */
export interface LossSettings {
  semantics: Semantics;
  temperature: number;
  temperatureSquared: boolean;
}

/**
 * A data file named on the command line (`eval --data`, `predict --input`) instead of in a recipe:
 * the flags that say how to read it, under a recipe task's names (`--text-a` for `columns.text_a`).
 */
export interface FileOptions {
  format?: string;
  header?: boolean;
  textA?: Column;
  textB?: Column;
  label?: Column;
  /** Label names in label-id order (default: the model's id2label). */
  labels?: string[];
  skipLabels?: string[];
  labelAliases?: Record<string, string>;
  /** How messages name these settings (the CLI: --text-b; default: recipe fields). */
  names?: SettingNames;
}

/** What a file config takes from the model: its head's output count and id2label names. */
export interface ModelLabels {
  numLabels: number;
  labels: readonly string[];
}

/** Every feature has token ids; their count is the feature's length (batching buckets by it). */
export interface FeatureBase {
  inputIds: number[]; // [T]
}

/**
 * What inference needs of a kind: features → batch → logits → outputs, for a config made from a
 * file, a recipe or raw text. Browser-safe in every module (no file access), so the browser loader
 * runs the same path as eval and predict.
 */
export interface TaskInference<Config, Example, Feature extends FeatureBase, Output> {
  /** The module's name (`classification`, `token-classification`, `span`). */
  readonly kind: string;
  /** The model head this kind trains; a model directory with this head is evaluated by this module. */
  readonly modelHead: ModelConfig['head'];
  /** Hugging Face architecture name export writes (`BertForTokenClassification`, …). */
  readonly exportArchitecture: string;
  /**
   * The numeric config fields besides max_seq_length that shape inference (windows, answer
   * decoding): a trained model records them (config.json `task_settings`) so eval, predict and the
   * browser cut and decode inputs as training and its dev evaluations did (see tasks/settings.ts).
   */
  readonly inferenceSettings: readonly string[];

  /** The label list the config fixes, in label-id order; undefined when it comes from the training data. */
  labelsOf(config: Config): readonly string[] | undefined;
  /** A config for raw texts (the browser's inputs): the model's labels, windows of `maxSeqLength` positions. */
  textConfig(maxSeqLength: number, model: ModelLabels): Config;
  /** An unlabelled example from raw text (a pair for sentence-pair classification). */
  textExample(input: string | readonly [string, string]): Example;

  /** Model inputs of one example: one feature per window, nothing truncated silently. */
  features(example: Example, ctx: FeatureContext<Config>): Feature[];
  /** Stacks features into a batch. */
  collate(features: readonly Feature[], ctx: CollateContext<Config>): Batch;
  /** The model head the kind needs and its output size, for stages, `tinybert create` and export. */
  head(config: Config, labels: readonly string[]): { head: ModelConfig['head']; numLabels: number };

  /** Per-example outputs from the per-window logits of its features (merging windows). */
  decode(example: Example, features: readonly Feature[], logits: readonly Float32Array[], labels: readonly string[], config: Config): Output;
  /** The JSON record `predict` prints for one example (entities with offsets, a label with probabilities, …). */
  predictionRecord(example: Example, output: Output): Record<string, unknown>;
}

/** A task kind: inference, plus its recipe schema, readers, losses, metrics and prediction file. */
export interface TaskModule<Config, Example, Feature extends FeatureBase, Output> extends TaskInference<Config, Example, Feature, Output> {
  /** The `type` values of `tasks:` entries this module serves. */
  readonly types: readonly string[];
  /** zod schema of the `tasks:` entry (strict, a description per field, defaults here only). */
  readonly schema: z.ZodType<Config, unknown>;
  /** The file formats `--format` accepts for this kind; the first is the default when the extension says nothing. */
  readonly formats: readonly string[];

  /**
   * The metrics `eval.metric` may name for this config, the default (the one that picks the best
   * checkpoint when the stage names none) first.
   */
  metrics(config: Config): readonly string[];
  /** Why `metric` does not fit this config (one line, naming what does), or undefined when it does. */
  metricProblem(config: Config, metric: string, taskName: string): string | undefined;

  /** Every example of `file`; malformed input is a DataError naming file:line. `labels`: the resolved label list. */
  read(file: string, config: Config, opts: { labelled: boolean; taskName?: string; labels?: readonly string[]; names?: SettingNames }): Example[];
  /** The label list when the config gives none: collected from training examples, in a deterministic order. */
  labelsFrom(examples: readonly Example[]): string[];
  /**
   * The config of a file named on the command line, from its flags and the model (the label list is
   * the model's or `--labels`; `labelled`: eval reads gold labels, predict does not).
   */
  fileConfig(file: string, opts: FileOptions & { maxSeqLength: number }, model: ModelLabels, labelled: boolean): Config;
  /** The examples `predict` labels: `file` as `fileConfig` describes it, or free text when no data flag is given. */
  readInputs(file: string, config: Config, opts: FileOptions): Example[];

  /** Hard-label loss of a batch: logits from the head, positions with IGNORE_INDEX skipped. */
  hardLoss(logits: Tensor, batch: Batch, config: Config): tf.Scalar;
  /**
   * Prediction-layer distillation target: soft cross-entropy at the stage temperature between
   * student and teacher logits over the positions the kind scores (valid tokens; start and end
   * averaged for span).
   */
  distillLoss(student: Tensor, teacher: Tensor, batch: Batch, config: Config, settings: LossSettings): tf.Scalar;

  /** Metrics of predictions against the examples' gold labels, as fractions; the keys `--json` prints. */
  score(examples: readonly Example[], outputs: readonly Output[], labels: readonly string[], config: Config): Record<string, number>;
  /** Text of the prediction file `eval --predictions` writes (conlleval input, CMRC JSON, one label per line). */
  predictionFile(examples: readonly Example[], outputs: readonly Output[]): string;
  /** confusion[gold][predicted] counts, for kinds with one class per example (classification). */
  confusion?(examples: readonly Example[], outputs: readonly Output[], labels: readonly string[], config: Config): number[][] | undefined;
}

/** A module of any kind, as the registry holds them (each kind's types meet only inside its module). */
export type AnyTaskModule = TaskModule<any, any, any, any>;
/** The inference part of a module of any kind, as the browser registry holds them. */
export type AnyTaskInference = TaskInference<any, any, any, any>;
