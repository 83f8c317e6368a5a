/**
 * Model configuration files: the schema lives in config-schema.ts (no file I/O, browser-safe);
 * this adds reading a `config.json` / `bert_config.json` from disk.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { parseModelConfig, type ModelConfig } from './config-schema.js';

export * from './config-schema.js';

export function readModelConfig(path: string): ModelConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${path}: cannot read model config (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${path}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  return parseModelConfig(raw, path);
}
