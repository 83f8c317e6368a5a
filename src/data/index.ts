export * from './format.js';
export * from './rng.js';
export * from './rows.js';
export * from './classification.js';
export * from './features.js';
export * from './corpus.js';
export * from './batcher.js';
export * from './metrics.js';
