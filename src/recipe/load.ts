/**
 * Reading, resolving and saving recipes. `loadRecipe` is what `tinybert distill` calls: parse the
 * file (YAML, or JSON by extension or content) keeping node positions for messages, apply `--set`
 * overrides, validate, then make every path absolute against the recipe's folder so the resolved
 * recipe saved with each checkpoint means the same thing from any working directory.
 */
import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument, stringify, type Document } from 'yaml';
import { z } from 'zod';
import { RecipeError } from '../errors.js';
import { applyOverrides } from './overrides.js';
import { recipeSchema, type Recipe } from './schema.js';
import { stageInputSchema } from './stage.js';
import { validate, type Source } from '../util/validate.js';

/** 1-based line and column of a character offset. */
function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

function parseText(file: string, text: string): { raw: unknown; doc?: Document; lineCounter?: LineCounter } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const ext = extname(file).toLowerCase();
  // .json is JSON; .yaml/.yml is YAML; anything else is JSON when it looks like it and parses.
  const json = ext === '.json' || (ext !== '.yaml' && ext !== '.yml' && /^\s*[{[]/.test(text));
  if (json) {
    try {
      const raw: unknown = JSON.parse(text);
      return doc.errors.length ? { raw } : { raw, doc, lineCounter };
    } catch (e) {
      if (ext === '.json') {
        const message = (e as Error).message;
        const at = /position (\d+)/.exec(message);
        const where = at ? lineCol(text, Number(at[1])) : undefined;
        throw new RecipeError(`${file}${where ? `:${where.line}:${where.col}` : ''}: JSON syntax error: ${message}`);
      }
    }
  }
  const err = doc.errors[0];
  if (err) {
    const pos = lineCounter.linePos(err.pos[0]);
    const message = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new RecipeError(`${file}:${pos.line}:${pos.col}: YAML syntax error: ${message}`);
  }
  return { raw: doc.toJS(), doc, lineCounter };
}

/** Makes every path field of a parsed recipe absolute against `baseDir`. */
export function resolveRecipePaths(recipe: Recipe, baseDir: string): Recipe {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const opt = (p: string | undefined) => (p === undefined ? undefined : abs(p));
  const map = <T>(rec: Record<string, T>, f: (v: T) => T) => Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, f(v)]));
  const out: Recipe = {
    ...recipe,
    output_dir: abs(recipe.output_dir),
    vocab: opt(recipe.vocab),
    tasks: map(recipe.tasks, (t) => ({ ...t, train: abs(t.train), dev: opt(t.dev), test: opt(t.test) })),
    corpus: map(recipe.corpus, (c) => ({ ...c, path: abs(c.path) })),
    models: map(recipe.models, (m) => ({ ...m, config: opt(m.config), dir: opt(m.dir), vocab: opt(m.vocab) })),
  };
  return dropUndefined(out);
}

/** Removes keys whose value is undefined, so saved recipes and deep equality stay clean. */
function dropUndefined<T>(v: T): T {
  if (Array.isArray(v)) return v.map(dropUndefined) as T;
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v as object)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => [k, dropUndefined(x)]),
  ) as T;
}

/**
 * Validates an in-memory recipe (a TypeScript user's object, or a parsed file) and resolves its
 * paths against `baseDir`. `source` names it in error messages.
 */
export function parseRecipe(raw: unknown, source: Source = { file: '<recipe>' }, baseDir = process.cwd()): Recipe {
  return resolveRecipePaths(validate(recipeSchema, raw, source, RecipeError), baseDir);
}

/**
 * Reads a recipe file, applies `--set key.path=value` overrides, validates and resolves it.
 * Data files are not opened here: a stage checks its inputs when it starts.
 */
export function loadRecipe(path: string, overrides: string[] = []): Recipe {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RecipeError(`${path}: cannot read the recipe (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const { raw, doc, lineCounter } = parseText(path, text);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new RecipeError(`${path}: a recipe is a mapping of fields (name, models, stages, ...), got ${raw === null ? 'an empty file' : typeof raw}`);
  }
  const { value, paths } = applyOverrides(raw as Record<string, unknown>, overrides);
  return parseRecipe(value, { file: path, doc, lineCounter, overrides: paths }, dirname(resolve(path)));
}

/** The resolved recipe as YAML, saved beside every checkpoint; loading it back gives the same recipe. */
export function recipeToYaml(recipe: Recipe): string {
  // Keys in schema order (defaults filled later would otherwise trail at the end of each mapping).
  const stageKeys = Object.keys(stageInputSchema.shape);
  const ordered = {
    ...inOrder(recipe, RECIPE_KEYS),
    stages: recipe.stages.map((s) => inOrder(s, stageKeys)),
  };
  return `# resolved tinybert recipe: every default filled, every path absolute\n${stringify(dropUndefined(ordered), { lineWidth: 0 })}`;
}

const RECIPE_KEYS = ['name', 'seed', 'output_dir', 'backend', 'vocab', 'tasks', 'corpus', 'models', 'stages'];

function inOrder<T extends object>(o: T, keys: string[]): T {
  const rank = (k: string) => (keys.includes(k) ? keys.indexOf(k) : keys.length);
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => rank(a) - rank(b))) as T;
}

/** JSON Schema of the recipe file (the accepted input, defaults optional), for editor completion. */
export function recipeJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(recipeSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
