/**
 * The library: `import { ... } from 'tinybert'`. Re-exports only; each CLI command is a thin shell
 * over one of these functions. The browser loader is the `tinybert/browser` subpath (no node: imports).
 */
export {
  TinybertError,
  RecipeError,
  ConfigError,
  CheckpointError,
  DataError,
  ShapeError,
  BackendError,
  UsageError,
} from './errors.js';

export { distill, formatRunTable, type DistillOptions, type RunResult, type ModelReport } from './pipeline/run.js';
export { writeReport, readRun, type ReportOptions, type ReportResult, type ReportSummary, type RunData } from './report/index.js';
export { serveModel, type ModelServer, type ServeOptions } from './serve/index.js';
export { loadRecipe, parseRecipe, recipeJsonSchema, recipeToYaml } from './recipe/load.js';
export {
  recipeSchema,
  type Recipe,
  type RecipeInput,
  type Stage,
  type TaskConfig,
  type CorpusConfig,
  type ModelSlot,
} from './recipe/schema.js';

export {
  loadModelDir,
  saveModelDir,
  type LoadOptions,
  type LoadReport,
  type LoadedModel,
  type SaveOptions,
  type WeightFormat,
} from './checkpoint/model-dir.js';
export { createModelDir, type CreateOptions } from './checkpoint/create.js';
export { inspectModelDir, formatSummary, type ModelSummary } from './checkpoint/inspect.js';
export { exportModel, type ExportOptions, type ExportResult, type ExportDtype, type ExportFormat } from './checkpoint/export.js';

export { BertModel } from './model/bert.js';
export type { ModelConfig } from './model/config.js';
export type { ModelOutput } from './model/output.js';

export {
  BertTokenizer,
  Vocab,
  DEFAULT_NEVER_SPLIT,
  tokenizeText,
  tokenizerJson,
  parseTokenizerJson,
  specialTokensMap,
  type TokenizerOptions,
  type TokenizerJsonSettings,
  type EncodeOptions,
  type Encoding,
} from './tokenizer/index.js';

export {
  evaluateModelDir,
  predictModelDir,
  type EvaluateOptions,
  type EvaluationResult,
  type PredictOptions,
  type Prediction,
} from './pipeline/evaluate.js';
export { augment, augmentOptionsSchema, type AugmentOptions, type AugmentSummary } from './augment/index.js';

export {
  LOSSES,
  lossNameSchema,
  representationMse,
  attentionMse,
  softCrossEntropy,
  hardLabelLoss,
  type LossName,
  type LossDefinition,
  type LossOptions,
  type PredictionOptions,
} from './distill/losses.js';
export { TeacherCache, fillTeacherCache, teacherIdentity, cachedTeacherOutput, type CacheLayout } from './distill/teacher-cache.js';

export { initBackend, BACKEND_NAMES, type BackendChoice, type BackendInfo } from './backend/select.js';
