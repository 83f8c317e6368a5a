/** Preflight of a span task: files that would fail the run late are refused before the first stage. */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { tinySpanRecipe } from './tiny-span.js';

describe('span preflight', () => {
  it('refuses a dev file with no questions before training, instead of failing the final comparison after the last stage', async () => {
    const { dir, recipe, dev } = tinySpanRecipe();
    writeFileSync(dev, JSON.stringify({ data: [] }));
    await expect(distill(loadRecipe(recipe, ['output_dir=run', 'backend=cpu']), { quiet: true })).rejects.toThrow(
      new DataError(`${dev}: no examples (tasks.qa.dev)`),
    );
    expect(existsSync(join(dir, 'run', 'ft'))).toBe(false);
  });
});
