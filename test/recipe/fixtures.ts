/** A valid four-stage recipe (as YAML text and as an object) and a temp-file writer for recipe tests. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { expect } from 'vitest';
import { RecipeError } from '../../src/errors.js';
import { parseRecipe, type Recipe } from '../../src/recipe/index.js';

export const BASE_YAML = `name: demo
seed: 7
tasks:
  sentiment:
    type: single
    train: data/train.tsv
    dev: data/dev.tsv
    header: true
    labels: ["0", "1"]
corpus:
  wiki: { path: data/wiki.txt }
models:
  teacher: { config: teachers/small.json }
  student: { config: students/tiny.json }
vocab: vocab.txt
stages:
  - name: finetune-teacher
    kind: finetune
    train: teacher
    task: sentiment
    epochs: 2
  - name: general
    kind: general
    teacher: teacher
    student: student
    corpus: wiki
    steps: 100
  - name: task-intermediate
    kind: task-intermediate
    teacher: teacher
    student: student
    task: sentiment
  - name: task-prediction
    kind: task-prediction
    teacher: teacher
    student: student
    task: sentiment
    optimizer: { lr: 3.0e-5 }
`;

/** 1-based line and column of the first occurrence of `needle` in `text`, as `line:col`. */
export function posOf(text: string, needle: string): string {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`fixture: ${needle} not found`);
  const before = text.slice(0, at).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

export function baseObject(): Record<string, any> {
  return parse(BASE_YAML) as Record<string, any>;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tinybert-recipe-'));
}

/** Writes `text` as `name` in a fresh temp folder and returns the file's path. */
export function writeRecipe(text: string, name = 'recipe.yaml'): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}

/** A recipe as plain data, before validation. */
export type Raw = Record<string, any>;

/** The base recipe with `mutate` applied, validated and resolved against /base. */
export function parseBase(mutate: (r: Raw) => void = () => {}): Recipe {
  const raw = baseObject();
  mutate(raw);
  return parseRecipe(raw, { file: 'r.yaml' }, '/base');
}

/** The RecipeError message for a mutated base recipe. */
export function baseFailure(mutate: (r: Raw) => void): string {
  try {
    parseBase(mutate);
  } catch (e) {
    expect(e).toBeInstanceOf(RecipeError);
    return (e as Error).message;
  }
  throw new Error('expected a RecipeError');
}

