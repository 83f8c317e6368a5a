/** Token classification (NER): readers, tag schemes, windowed features, conlleval scoring, decoding. */
export { IGNORE_INDEX, chunks, convertTags, labelList, parseTag, parseTagAt, tagSchemeSchema, tagsOf, type Chunk, type Tag, type TagScheme } from './tags.js';
export {
  bmesSentences,
  charTokens,
  conllSentences,
  ernieSentences,
  joinTokens,
  jsonlSentences,
  nerFormatFromPath,
  nerFormatSchema,
  readSentences,
  type NerFormat,
  type ReadOptions,
  type Sentence,
} from './formats.js';
export {
  encodeTokens,
  mergeWindows,
  planWindows,
  tokenPieces,
  tokenWindows,
  type PieceTokenizer,
  type TokenRange,
  type TokenWindow,
  type WindowOptions,
} from './features.js';
export { scoreEntities, type NerScores, type Prf } from './metrics.js';
export { decodeEntities, predictionLines, type Entity } from './decode.js';
export { readTaskFile, taskLabels, tokenClassificationTaskSchema, type TokenClassificationTask } from './task.js';
export { tokenClassification } from './module.js';
