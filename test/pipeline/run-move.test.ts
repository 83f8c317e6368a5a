/** A run folder names its models relative to itself, so a copy or a move is a complete run. */
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { exportModel } from '../../src/checkpoint/export.js';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { tinyRecipe } from './tiny-run.js';

it('a copied run resumes from and exports its own models after the original is deleted', async () => {
  const { dir, recipe } = tinyRecipe({ steps: 1 });
  const original = await distill(loadRecipe(recipe), { quiet: true });
  const inCopy = (p: string) => p.replace(join(dir, 'run'), join(dir, 'copy'));
  cpSync(join(dir, 'run'), join(dir, 'copy'), { recursive: true });
  rmSync(join(dir, 'run'), { recursive: true, force: true });
  const copy = join(dir, 'copy');
  expect(JSON.parse(readFileSync(join(copy, 'tp', 'done.json'), 'utf8')).output).toMatch(/^tp\/(final|best)$/);
  const manifest = JSON.parse(readFileSync(join(copy, 'run.json'), 'utf8')) as { slots: Record<string, string> };
  expect(Object.values(manifest.slots).every((p) => !p.startsWith('/'))).toBe(true);

  const r = await distill(loadRecipe(recipe, ['output_dir=copy']), { quiet: true, resume: true });
  expect(r.stages.map((s) => s.output)).toEqual(original.stages.map((s) => inCopy(s.output)));
  expect(r.stages.every((s) => s.output.startsWith(copy))).toBe(true);
  expect(r.slots.student).toBe(inCopy(original.slots.student!));

  const e = await exportModel(copy, { out: join(dir, 'exported') });
  expect(e.modelDir).toBe(inCopy(original.slots.student!));
});
