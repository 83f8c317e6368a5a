export * from './config.js';
export * from './params.js';
export * from './output.js';
export * from './bert.js';
export * from './init.js';
export { relativePositionTable, relativePositionIndex, relativeEmbeddings } from './attention.js';
