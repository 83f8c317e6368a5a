/**
 * Fuzz: the recipe loader on edited recipe objects (parseRecipe), mutated YAML / JSON text and
 * generated `--set` overrides (loadRecipe). Each input loads or throws a TinybertError.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { loadRecipe, parseRecipe } from '../../src/recipe/load.js';
import { BASE_YAML, baseObject } from '../recipe/fixtures.js';
import { fuzz, jsonEdited, jsonPaths, mutated, strangeJson, Tally, utf8 } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'tinybert-fuzz-recipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Keys a recipe knows, so added keys sometimes hit a real field at the wrong level. */
const RECIPE_KEYS = ['name', 'seed', 'output_dir', 'backend', 'vocab', 'tasks', 'corpus', 'models', 'stages', 'kind', 'teacher',
  'student', 'train', 'task', 'losses', 'mapping', 'temperature', 'steps', 'epochs', 'batch_size', 'max_seq_length', 'optimizer',
  'schedule', 'eval', 'every', 'lr', 'labels', 'columns', 'format', 'header', 'text_a', 'dir', 'config', 'projection', 'grad_accum'];
const keys = fc.oneof(fc.constantFrom(...RECIPE_KEYS), fc.string({ maxLength: 10 }));

describe('fuzz: recipes', () => {
  it('edited recipe objects (parseRecipe) load or throw RecipeError', () => {
    fuzz(new Tally('recipe objects'), jsonEdited(baseObject(), keys), 2000, (raw) => parseRecipe(raw, { file: 'fuzz.yaml' }, dir));
  });

  it('mutated YAML and JSON recipe files (loadRecipe) load or throw RecipeError', () => {
    const json = utf8(JSON.stringify(baseObject(), null, 2));
    const arb = fc.oneof(
      mutated(utf8(BASE_YAML)).map((bytes) => ({ name: 'fuzz.yaml', bytes })),
      mutated(json).map((bytes) => ({ name: 'fuzz.json', bytes })),
      fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.jsonValue().map((v) => JSON.stringify(v)))
        .map((s) => ({ name: 'fuzz.recipe', bytes: utf8(s) })),
    );
    fuzz(new Tally('recipe files'), arb, 600, ({ name, bytes }) => {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      return loadRecipe(path);
    });
  });

  it('generated --set overrides load or throw RecipeError', () => {
    const path = join(dir, 'base.yaml');
    writeFileSync(path, BASE_YAML);
    // Prototype keys are left to the override tests: setting them would pollute this process.
    const segment = fc.oneof(keys, fc.constantFrom('0', '1', '9', '-1', 'general', 'task-prediction', '')).filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k));
    const value = fc.oneof(strangeJson.map((v) => JSON.stringify(v)), fc.string({ maxLength: 12 }), fc.constantFrom('null', '~', '[a, b', '{x: 1}', '&a *a'));
    const realPaths = jsonPaths(baseObject()).filter((p) => p.length > 0).map((p) => p.join('.'));
    const keyPath = fc.oneof(fc.constantFrom(...realPaths), fc.array(segment, { minLength: 1, maxLength: 4 }).map((p) => p.join('.')));
    const spec = fc.tuple(keyPath, value).map(([path, v]) => `${path}=${v}`);
    fuzz(new Tally('recipe --set overrides'), fc.array(spec, { minLength: 1, maxLength: 3 }), 600, (specs) => loadRecipe(path, specs));
  });
});
