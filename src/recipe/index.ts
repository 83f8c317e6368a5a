export * from './enums.js';
export * from './task.js';
export * from './stage.js';
export * from './schema.js';
export * from '../util/validate.js';
export * from './overrides.js';
export * from './load.js';
