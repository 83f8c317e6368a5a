/** A stage folder sits beside the files tinybert writes in the run folder: its name may not be one of them. */
import { describe, expect, it } from 'vitest';
import { parseRecipe } from '../../src/recipe/index.js';
import { RESERVED_STAGE_NAMES } from '../../src/recipe/run-files.js';
import { baseObject } from './fixtures.js';

function withStageName(name: string): () => unknown {
  const raw = baseObject();
  raw.stages[1].name = name;
  return () => parseRecipe(raw, { file: 'r.yaml' }, '/base');
}

describe('stage names that collide with run files', () => {
  for (const name of ['log.jsonl', 'run.json', 'recipe.yaml', 'summary.json', 'export', 'Export', 'RUN.JSON']) {
    it(`refuses a stage named ${name}`, () => {
      expect(withStageName(name)).toThrow(/^r\.yaml: stages\[1\]\.name: names a file tinybert writes in the run folder \(.*recipe\.yaml.*\); choose another stage name/);
    });
  }

  it('the reserved list holds the marker and the lock (hidden names a stage cannot take anyway)', () => {
    expect(RESERVED_STAGE_NAMES).toEqual(expect.arrayContaining(['.tinybert-run', '.tinybert-lock', 'log.jsonl', 'run.json', 'recipe.yaml', 'summary.json', 'export']));
  });

  it('accepts names that merely contain a reserved word', () => {
    expect(withStageName('export-student')).not.toThrow();
    expect(withStageName('run')).not.toThrow();
  });
});
