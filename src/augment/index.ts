export { augment, sidecars, type AugmentHooks, type AugmentSummary } from './augment.js';
export { augmentOptionsSchema, augmentKindSchema, guardRuleSchema, shardSchema, type AugmentKind, type AugmentOptions, type ResolvedAugmentOptions, type Shard } from './options.js';
export { MaskedLmCandidates, type MaskedLmOptions, type MaskedLmStats } from './candidates.js';
export { segmentText, type Segmented, type Unit } from './units.js';
export { WordVectors } from './word-vectors.js';
export { applyEdits, drawCopies, mapOffset, type Edit } from './rewrite.js';
export { LabelGuard, type GuardRule } from './guard.js';
