/**
 * Span extraction (CMRC 2018, SQuAD v1.1, DRCD): readers, windowed features, n-best decoding, the
 * CMRC 2018 metric, the official prediction file, and the task module wiring them together.
 */
export { spanOptionsSchema, type SpanOptions } from './options.js';
export {
  answerSchema,
  describeSummary,
  emptySummary,
  locateExample,
  nearestOccurrence,
  parseSquad,
  readSquad,
  squadFileSchema,
  type AnswerRepair,
  type SpanAnswer,
  type SpanExample,
  type SquadSummary,
} from './squad.js';
export { spanFeatures, tokenSpan, windowRanges, type FeatureOptions, type SpanFeature } from './features.js';
export { decodeSpans, topIndices, type DecodeOptions, type SpanCandidate, type SpanLogits, type SpanPrediction } from './decode.js';
export { CMRC_PUNCTUATION, emScore, f1Score, longestCommonRun, removePunctuation, scoreSpans, segments, words, type SpanScores } from './cmrc-metric.js';
export { predictionJson, predictionObject, writePredictionJson } from './predictions.js';
export { readQuestionLines } from './jsonl.js';
export { readSpanFile, repairWarning, spanFormatFromPath, spanFormatSchema, spanTaskSchema, type SpanFormat, type SpanTask } from './task.js';
export { spanInference, spanInputConfig } from './inference.js';
export { span } from './module.js';
