/**
 * What a task kind provides, so the stage runner, `eval`, `predict`, export and the browser loader
 * go through one interface with no per-kind branch (issue 10). Types only: the modules
 * (`classification`, `token-classification`, `span`) implement it, and a registry maps each
 * `tasks:` entry's `kind` to its module, so adding a kind is one module and one registry line:
 *
 *   export const TASK_MODULES = { classification, 'token-classification': tokenClassification, span } satisfies Record<string, TaskModule<any, any, any, any>>;
 *
 * The flow of one kind, with its type parameters:
 *   Config   the `tasks:` entry after zod (`schema`), defaults filled in; nothing downstream re-defaults.
 *   Example  one labelled or unlabelled input as read from a file (`read`), e.g. a sentence with tags.
 *   Feature  model inputs of one window of one example (`features`); an example may give several.
 *   Output   the user-facing prediction of one example (`decode`), e.g. entities with offsets.
 */
import type { z } from 'zod';
import type { Tensor, tf } from '../backend/tf.js';
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
}

export interface TaskModule<Config, Example, Feature, Output> {
  /** The `kind` value of a `tasks:` entry that selects this module. */
  readonly kind: string;
  /** zod schema of the `tasks:` entry (strict, a description per field, defaults here only). */
  readonly schema: z.ZodType<Config>;
  /** The file formats `--format` accepts for this kind; the first is the default when the extension says nothing. */
  readonly formats: readonly string[];

  /** Every example of `file`; malformed input is a DataError naming file:line. */
  read(file: string, format: string, config: Config): Example[];
  /** The label list when the config gives none: collected from training examples, in a deterministic order. */
  labelsFrom(examples: readonly Example[]): string[];
  /** Model inputs of one example: one feature per window, nothing truncated silently. */
  features(example: Example, ctx: FeatureContext<Config>): Feature[];
  /** Stacks features into a batch (padding already done by `features`). */
  collate(features: readonly Feature[]): Batch;

  /** The model head the kind needs and its output size, for `tinybert create` and export. */
  head(labels: readonly string[]): { head: ModelConfig['head']; numLabels: number };
  /** Hugging Face architecture name export writes (`BertForTokenClassification`, …). */
  readonly exportArchitecture: string;

  /** Hard-label loss of a batch: logits from the head, positions with IGNORE_INDEX skipped. */
  hardLoss(logits: Tensor, batch: Batch): tf.Scalar;
  /**
   * Prediction-layer distillation target: soft cross-entropy at `temperature` between student and
   * teacher logits over the positions the kind scores (valid tokens; start and end averaged for span).
   */
  distillLoss(student: Tensor, teacher: Tensor, batch: Batch, temperature: number): tf.Scalar;

  /** Per-example outputs from the per-window logits of its features (merging windows). */
  decode(example: Example, features: readonly Feature[], logits: readonly Float32Array[], labels: readonly string[]): Output;
  /** Metrics of predictions against the examples' gold labels, as fractions; the keys `--json` prints. */
  score(examples: readonly Example[], outputs: readonly Output[]): Record<string, number>;
  /** Lines of the prediction file `eval --predictions` writes (conlleval input, CMRC JSON, one label per line). */
  predictionFile(examples: readonly Example[], outputs: readonly Output[]): string;
}
