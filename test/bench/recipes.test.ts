/**
 * The benches' recipes (bench/<name>/recipe.yaml) load as a user's would: a bench is a recipe a user
 * could run, so a schema change that breaks one breaks it here, not hours into a measurement.
 * (The study's recipes have their own test.)
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRecipe } from '../../src/recipe/index.js';
import { ROOT } from '../helpers/shared.js';

const BENCH = join(ROOT, 'bench');
const recipes = readdirSync(BENCH, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(BENCH, d.name, 'recipe.yaml')))
  .map((d) => d.name);

describe('bench recipes', () => {
  it('there are some', () => {
    expect(recipes).toEqual(expect.arrayContaining(['resume-ner', 'span-step', 'weibo-ner']));
  });

  it.each(recipes)('bench/%s/recipe.yaml loads, every stage names a model and a task of the recipe', (name) => {
    const r = loadRecipe(join(BENCH, name, 'recipe.yaml'));
    expect(r.stages.length).toBeGreaterThan(0);
    const models = new Set(Object.keys(r.models));
    for (const s of r.stages) {
      for (const slot of [s.train, s.teacher, s.student].filter((x): x is string => typeof x === 'string')) expect(models, `${name}: ${s.name}`).toContain(slot);
    }
  });
});
